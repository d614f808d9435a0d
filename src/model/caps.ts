/** KVM_CHECK_EXTENSION answers of the model, derived from the profile and the VM (if any). */
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi/flags.js';
import { U32_MAX } from '../uapi/memory.js';
import { hasPrivateMem, type Profile } from './profile.js';

const C = KVM_CAPS.byName;

/** The flags KVM_CREATE_GUEST_MEMFD accepts for this VM type (null: at system scope). */
export function supportedGmemFlags(profile: Profile, vmType: number | null): bigint {
  const f = profile.gmemFlags;
  let flags = f.mmap | f.initPrivate | (f.hugetlb ?? 0n) | (f.noDirectMap ?? 0n) | (f.write ?? 0n) | (f.read ?? 0n);
  if (profile.hugePages) flags |= HUGE_SIZE_FIELD << BigInt(profile.hugePages.shift);
  if (vmType === null || !hasPrivateMem(profile, vmType) || profile.initSharedWithPrivateMem) {
    flags |= profile.gmemFlags.initShared;
  }
  return flags;
}

/** The attribute bits KVM_SET_MEMORY_ATTRIBUTES accepts (0 if the VM cannot have private memory). */
export function supportedVmMemoryAttributes(profile: Profile, vmType: number | null): bigint {
  // With in-place conversion the file holds PRIVATE; the VM-wide ioctl can no longer set it.
  if (!profile.vmMemoryAttributes || profile.inPlace) return 0n;
  return vmType === null || hasPrivateMem(profile, vmType) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0n;
}

/** The attribute bits the guest_memfd conversion ioctl can set: PRIVATE where memory can be private. */
export function supportedGmemMemoryAttributes(profile: Profile, vmType: number | null): bigint {
  if (!profile.inPlace) return 0n;
  return vmType === null || hasPrivateMem(profile, vmType) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0n;
}

export function addressSpacesOf(profile: Profile, vmType: number | null): number {
  return vmType !== null && hasPrivateMem(profile, vmType) ? 1 : profile.addressSpaces;
}

/** The answer for a capability number as the ioctl receives it (any u64; above 2^32 none exists). */
export function capabilityAnswerFor(profile: Profile, cap: bigint, vmType: number | null): number {
  return cap > BigInt(U32_MAX) ? 0 : capabilityAnswer(profile, Number(cap), vmType);
}

/** The width of the huge page size field (a log2 size up to 63). */
export const HUGE_SIZE_FIELD = 0x3fn;

export function capabilityAnswer(profile: Profile, cap: number, vmType: number | null): number {
  // The in-place series' capability has no fixed number: the profile says which it is.
  if (profile.inPlace?.capability === cap) return Number(supportedGmemMemoryAttributes(profile, vmType));
  // Flags 63:32, shifted down: a second capability, as an int answer holds only 32 bits.
  if (profile.flagsHiCapability === cap) return Number(BigInt.asUintN(31, supportedGmemFlags(profile, vmType) >> 32n));
  switch (cap) {
    case C.KVM_CAP_USER_MEMORY:
    case C.KVM_CAP_IMMEDIATE_EXIT:
    case C.KVM_CAP_USER_MEMORY2:
    case C.KVM_CAP_MEMORY_FAULT_INFO:
      return 1;
    case C.KVM_CAP_GUEST_MEMFD:
      return profile.release.guestMemfd ? 1 : 0;
    case C.KVM_CAP_NR_MEMSLOTS:
      return profile.userMemSlots;
    case C.KVM_CAP_MAX_VCPU_ID:
      return profile.maxVcpuId;
    case C.KVM_CAP_READONLY_MEM:
      return vmType !== null && profile.protectedStateVmTypes.includes(vmType) ? 0 : 1;
    case C.KVM_CAP_MULTI_ADDRESS_SPACE:
      // The capability exists only when the kernel can have more than one (CONFIG_KVM_SMM).
      return profile.addressSpaces > 1 ? addressSpacesOf(profile, vmType) : 0;
    case C.KVM_CAP_MEMORY_ATTRIBUTES:
      return Number(supportedVmMemoryAttributes(profile, vmType));
    case C.KVM_CAP_VM_TYPES:
      return profile.vmTypes.reduce((bits, t) => bits | (1 << t), 0) >>> 0;
    case C.KVM_CAP_PRE_FAULT_MEMORY:
      return profile.tdp ? 1 : 0;
    case C.KVM_CAP_GUEST_MEMFD_FLAGS:
      // A capability answer is an int: only bits 31:0 can be enumerated here.
      return Number(BigInt.asUintN(32, supportedGmemFlags(profile, vmType)));
    default:
      return 0;
  }
}
