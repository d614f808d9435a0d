/** The KVM_CREATE_GUEST_MEMFD rule (kvm_gmem_create): checks in the kernel's order. */
import type { Errno } from '../../errors.js';
import { PAGE_SHIFT, asLoff, isAlignedTo, isPageAligned } from '../../uapi/memory.js';
import { HUGE_SIZE_FIELD, supportedGmemFlags } from '../caps.js';
import { failure, hex } from '../fail.js';
import type { Profile } from '../profile.js';

/**
 * Validate; returns the file's page size as a log2 (12, or a huge page's 21 or 30), or the
 * refusal (Failed in handles/backend.ts).
 */
export function validateCreate(profile: Profile, vmType: number, size: bigint, flags: bigint): number | Errno {
  const supported = supportedGmemFlags(profile, vmType);
  if (flags & ~supported) {
    return failure('EINVAL', `flags ${hex(flags)} include bits outside the supported set ${hex(supported)}`);
  }
  const { mmap, initPrivate } = profile.gmemFlags;
  if (flags & initPrivate && !(flags & mmap)) {
    return failure('EINVAL', 'INIT_PRIVATE needs SUPPORT_SHARED: a file without shared memory is private anyway');
  }
  const pageLog2 = hugePageLog2(profile, flags);
  if (typeof pageLog2 !== 'number') return pageLog2;
  // The size is a loff_t: 0 and anything at or above 2^63 are not positive.
  if (asLoff(size) <= 0n) return failure('EINVAL', `size ${hex(size)} is not positive as a loff_t`);
  if (!isPageAligned(size)) return failure('EINVAL', `size ${hex(size)} is not a multiple of the page size`);
  if (!isAlignedTo(size, pageLog2)) return failure('EINVAL', `size ${hex(size)} is not a multiple of the huge page size (2^${pageLog2})`);
  return pageLog2;
}

/** The page size a file asks for (huge page profiles): the size field needs HUGETLB, and must be one offered. */
function hugePageLog2(profile: Profile, flags: bigint): number | Errno {
  const hp = profile.hugePages;
  const hugetlb = profile.gmemFlags.hugetlb ?? 0n;
  if (!hp || !hugetlb) return PAGE_SHIFT;
  const field = Number((flags >> BigInt(hp.shift)) & HUGE_SIZE_FIELD);
  if (!(flags & hugetlb)) {
    if (field) return failure('EINVAL', 'a huge page size was given without GUEST_MEMFD_FLAG_HUGETLB');
    return PAGE_SHIFT;
  }
  const log2 = field || hp.defaultLog2;
  if (!hp.sizesLog2.includes(log2)) return failure('EINVAL', `huge pages of 2^${log2} bytes are not offered (${hp.sizesLog2.map((s) => `2^${s}`).join(', ')})`);
  if (flags & profile.gmemFlags.initShared) return failure('EINVAL', 'HUGETLB with INIT_SHARED: a shared huge page would be split from the start');
  return log2;
}

/** Whether a new file's pages start shared (else private), from its flags and the profile. */
export function startsShared(profile: Profile, flags: bigint): boolean {
  const { mmap, initShared, initPrivate } = profile.gmemFlags;
  if (profile.defaultShared) return (flags & mmap) !== 0n && (flags & initPrivate) === 0n;
  return (flags & initShared) !== 0n;
}
