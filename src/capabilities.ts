/**
 * Reading the guest_memfd flags a kernel accepts. KVM_CHECK_EXTENSION answers an int, so flags in
 * bits 63:32 need a second capability (KVM_CAP_GUEST_MEMFD_FLAGS_HI, as discussed upstream; its
 * number is not fixed, so it is a parameter). Reading only the first misses them.
 */
import type { CapabilityInput, Vm } from './api.js';
import { isKvmError } from './errors.js';

export interface CapabilitySource {
  checkExtension(cap: CapabilityInput): number;
}

/** FLAGS | FLAGS_HI << 32, as a u64. Without a FLAGS_HI number, only bits 31:0. */
export function supportedGuestMemfdFlags(source: CapabilitySource, flagsHiCapability?: number): bigint {
  const low = BigInt(source.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS') >>> 0);
  if (flagsHiCapability === undefined) return low;
  return low | (BigInt(source.checkExtension(flagsHiCapability) >>> 0) << 32n);
}

/**
 * Whether the VM-wide KVM_SET_MEMORY_ATTRIBUTES is built in: asked with a call every build refuses
 * (size 0: EINVAL), so nothing changes; only a kernel without the ioctl (the in-place series
 * without CONFIG_KVM_VM_MEMORY_ATTRIBUTES) answers ENOTTY. No capability tells it apart.
 */
export function vmAttributesIoctlExists(vm: Vm): boolean {
  try {
    vm.setMemoryAttributes({ address: 0, size: 0, attributes: 0 });
  } catch (err) {
    return !isKvmError(err, 'ENOTTY');
  }
  return true;
}
