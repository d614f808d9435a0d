/**
 * Reading the guest_memfd flags a kernel accepts. KVM_CHECK_EXTENSION answers an int, so flags in
 * bits 63:32 need a second capability (KVM_CAP_GUEST_MEMFD_FLAGS_HI, as discussed upstream; its
 * number is not fixed, so it is a parameter). Reading only the first misses them.
 */
import type { CapabilityInput } from './api.js';

export interface CapabilitySource {
  checkExtension(cap: CapabilityInput): number;
}

/** FLAGS | FLAGS_HI << 32, as a u64. Without a FLAGS_HI number, only bits 31:0. */
export function supportedGuestMemfdFlags(source: CapabilitySource, flagsHiCapability?: number): bigint {
  const low = BigInt(source.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS') >>> 0);
  if (flagsHiCapability === undefined) return low;
  return low | (BigInt(source.checkExtension(flagsHiCapability) >>> 0) << 32n);
}
