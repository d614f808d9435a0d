/** The KVM_CREATE_GUEST_MEMFD rule (kvm_gmem_create): checks in the kernel's order. */
import { asLoff, isPageAligned } from '../../uapi/memory.js';
import { supportedGmemFlags } from '../caps.js';
import { fail, hex } from '../fail.js';
import type { Profile } from '../profile.js';

export function validateCreate(profile: Profile, vmType: number, size: bigint, flags: bigint): void {
  const op = 'KVM_CREATE_GUEST_MEMFD';
  const supported = supportedGmemFlags(profile, vmType);
  if (flags & ~supported) {
    fail('EINVAL', 'ioctl', op, `flags ${hex(flags)} include bits outside the supported set ${hex(supported)}`);
  }
  const { mmap, initPrivate } = profile.gmemFlags;
  if (flags & initPrivate && !(flags & mmap)) {
    fail('EINVAL', 'ioctl', op, 'INIT_PRIVATE needs SUPPORT_SHARED: a file without shared memory is private anyway');
  }
  // The size is a loff_t: 0 and anything at or above 2^63 are not positive.
  if (asLoff(size) <= 0n) fail('EINVAL', 'ioctl', op, `size ${hex(size)} is not positive as a loff_t`);
  if (!isPageAligned(size)) fail('EINVAL', 'ioctl', op, `size ${hex(size)} is not a multiple of the page size`);
}

/** Whether a new file's pages start shared (else private), from its flags and the profile. */
export function startsShared(profile: Profile, flags: bigint): boolean {
  const { mmap, initShared, initPrivate } = profile.gmemFlags;
  if (profile.defaultShared) return (flags & mmap) !== 0n && (flags & initPrivate) === 0n;
  return (flags & initShared) !== 0n;
}
