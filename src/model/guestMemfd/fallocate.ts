/**
 * The fallocate(2) rule for a guest_memfd: the VFS's generic checks (vfs_fallocate) first, in
 * their order, then guest_memfd's own (kvm_gmem_fallocate). The first failing check decides.
 */
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_WRITE_ZEROES,
  FALLOC_FL_ZERO_RANGE,
  FALLOC_FLAGS,
} from '../../uapi/flags.js';
import { LOFF_MAX, PAGE_SHIFT, asLoff, isAlignedTo, isPageAligned, pageOf } from '../../uapi/memory.js';
import type { Errno } from '../../errors.js';
import { failure, hex } from '../fail.js';
import type { GmemInode } from './inode.js';

/** The "what to do" bits; at most one may be set. */
const FALLOC_FL_MODE_MASK =
  FALLOC_FL_PUNCH_HOLE |
  FALLOC_FL_COLLAPSE_RANGE |
  FALLOC_FL_ZERO_RANGE |
  FALLOC_FL_INSERT_RANGE |
  FALLOC_FL_UNSHARE_RANGE |
  FALLOC_FL_WRITE_ZEROES;

/** A refusal of fallocate's codes, returned where the check fails (Failed in handles/backend.ts). */
const refuse = (code: 'EINVAL' | 'EOPNOTSUPP' | 'EFBIG', reason: string): Errno => failure(code, reason);

/** Checks of vfs_fallocate that come before the file system is asked; returns offset + len. */
function vfsChecks(mode: number, offset: bigint, len: bigint): bigint | Errno {
  if (offset < 0n) return refuse('EINVAL', `offset ${offset} is negative as a loff_t`);
  if (len <= 0n) return refuse('EINVAL', `len ${len} is not positive as a loff_t`);
  // (The mode is put in words only when refusing: on every call that cost more than the checks.)
  if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) return refuse('EOPNOTSUPP', `mode ${FALLOC_FLAGS.format(mode)} has bits no file system knows`);
  switch (mode & FALLOC_FL_MODE_MASK) {
    case 0:
    case FALLOC_FL_UNSHARE_RANGE:
    case FALLOC_FL_ZERO_RANGE:
      break;
    case FALLOC_FL_PUNCH_HOLE:
      if (!(mode & FALLOC_FL_KEEP_SIZE)) return refuse('EOPNOTSUPP', 'PUNCH_HOLE needs KEEP_SIZE');
      break;
    case FALLOC_FL_COLLAPSE_RANGE:
    case FALLOC_FL_INSERT_RANGE:
    case FALLOC_FL_WRITE_ZEROES:
      if (mode & FALLOC_FL_KEEP_SIZE) return refuse('EOPNOTSUPP', `mode ${FALLOC_FLAGS.format(mode)} cannot be combined with KEEP_SIZE`);
      break;
    default:
      return refuse('EOPNOTSUPP', `mode ${FALLOC_FLAGS.format(mode)} names more than one operation`);
  }
  // The guest_memfd file system's maximum file size is the largest loff_t.
  const end = offset + len;
  if (end > LOFF_MAX) return refuse('EFBIG', `offset + len = ${hex(end)} overflows a loff_t`);
  return end;
}

/**
 * fallocate(fd, mode, offset, len) on a guest_memfd. `offset` and `len` are the raw 64-bit
 * words; the kernel reads them as signed loff_t.
 */
export function gmemFallocate(inode: GmemInode, mode: number, rawOffset: bigint, rawLen: bigint): Errno | undefined {
  const offset = asLoff(rawOffset);
  const len = asLoff(rawLen);
  const end = vfsChecks(mode, offset, len);
  if (typeof end !== 'bigint') return end;

  if (!(mode & FALLOC_FL_KEEP_SIZE)) return refuse('EOPNOTSUPP', 'guest_memfd has a fixed size: KEEP_SIZE is required');
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) {
    return refuse('EOPNOTSUPP', `guest_memfd supports only allocate and PUNCH_HOLE, not ${FALLOC_FLAGS.format(mode)}`);
  }
  if (!isPageAligned(offset) || !isPageAligned(len)) {
    return refuse('EINVAL', `offset ${hex(offset)} and len ${hex(len)} must be page aligned`);
  }
  // (A huge-page file only: with 4 KiB pages this is the test just passed.)
  if (inode.pageLog2 !== PAGE_SHIFT && (!isAlignedTo(offset, inode.pageLog2) || !isAlignedTo(len, inode.pageLog2))) return refuse('EINVAL', `offset ${hex(offset)} and len ${hex(len)} must be aligned to the huge page size (2^${inode.pageLog2})`);
  const startPage = pageOf(offset);
  if (mode & FALLOC_FL_PUNCH_HOLE) {
    // Past the end there is nothing to punch: success, nothing happens.
    inode.punch(startPage, pageOf(end));
    return undefined;
  }
  if (end > inode.size) {
    return refuse('EINVAL', `allocating up to ${hex(end)} goes past the file size ${hex(inode.size)}`);
  }
  inode.allocate(startPage, pageOf(end));
  return undefined;
}
