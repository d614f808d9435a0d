/**
 * Numbers of interfaces that are still under review. They have moved between revisions of their
 * series, so code takes them as parameters with these defaults and never hard-wires them.
 */
import { iowr, KVMIO } from './ioctl.js';
import { constantTable } from './table.js';
import type { StructLayout } from './structs.js';
export const PROPOSED_CAPS = {
  /**
   * In-place conversion (KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd): 250 in v8 and, as
   * reported, v13; 246 (RFC v1), 248 (RFC v2) and 249 (v3-v7) earlier. Released 7.3 gives 250 to
   * KVM_CAP_PPC_COMPAT_CAPS (PPC only), so the merged number may differ (docs/kernel-behaviour.md#capability-numbers).
   */
  KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES: { latest: 250, earlier: [249, 248, 246] },
} as const;

/**
 * Capability numbers upstream gave out after KVM_CAP_GUEST_MEMFD_FLAGS (244), seen in patch
 * context (docs/kernel-behaviour.md#capability-numbers). Earlier revisions of the in-place series used some of them; a
 * proposal's number must never be one of them, and a kernel that has one answers for it.
 */
export const UPSTREAM_CAPS_AFTER_244 = constantTable('capability', {
  KVM_CAP_ARM_SEA_TO_USER: 245,
  KVM_CAP_S390_USER_OPEREXEC: 246,
  KVM_CAP_S390_KEYOP: 247,
  KVM_CAP_S390_VSIE_ESAMODE: 248,
  KVM_CAP_S390_HPAGE_2G: 249,
  // Released in 7.3 (Debian's linux-source-7.3, include/uapi/linux/kvm.h): v8's 250 collides.
  KVM_CAP_PPC_COMPAT_CAPS: 250,
  KVM_CAP_ARM_PMU_V3_STRICT: 251,
});

/** The guest_memfd ioctl type of the RFC v2 series (its own, not KVM's 0xAE). */
const GMEM_RFC_IO = 0xaf;

export const PROPOSED_STRUCT_SIZES = {
  kvm_memory_attributes2: 128,
  kvm_gmem_convert: 64,
} as const;

export const PROPOSED_IOCTLS = constantTable('proposed ioctl', {
  /** v8 in-place conversion, on the guest_memfd (same nr as the VM ioctl; size and direction differ). */
  KVM_SET_MEMORY_ATTRIBUTES2: iowr(KVMIO, 0xd2, PROPOSED_STRUCT_SIZES.kvm_memory_attributes2),
  /** RFC v2 of 1G page support, on the guest_memfd. */
  KVM_GMEM_CONVERT_SHARED: iowr(GMEM_RFC_IO, 0x41, PROPOSED_STRUCT_SIZES.kvm_gmem_convert),
  KVM_GMEM_CONVERT_PRIVATE: iowr(GMEM_RFC_IO, 0x42, PROPOSED_STRUCT_SIZES.kvm_gmem_convert),
});

/**
 * The errnos after which a conversion copies error_offset back to userspace (v13: the EAGAIN and
 * ENOMEM paths only). After success or any other error the field keeps the caller's value.
 */
export const ERROR_OFFSET_ERRNOS: ReadonlySet<string> = new Set(['EAGAIN', 'ENOMEM']);

export const kvm_memory_attributes2 = {
  offset: { offset: 0, size: 8 },
  size: { offset: 8, size: 8 },
  attributes: { offset: 16, size: 8 },
  flags: { offset: 24, size: 8 },
  error_offset: { offset: 32, size: 8 },
  reserved: { offset: 40, size: 8, count: 11 },
} as const satisfies StructLayout;

export const kvm_gmem_convert = {
  offset: { offset: 0, size: 8 },
  size: { offset: 8, size: 8 },
  error_offset: { offset: 16, size: 8 },
  reserved: { offset: 24, size: 8, count: 5 },
} as const satisfies StructLayout;
