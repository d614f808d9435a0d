/**
 * The mmap(2) rule for a guest_memfd: the generic checks of the mmap system call and do_mmap
 * in their order, then guest_memfd's own mmap method. Returns where the mapping goes.
 */
import { MADV_ADVICE, MAP_PRIVATE, PROT_EXEC, PROT_WRITE } from '../../uapi/flags.js';
import type { MmapRequest } from '../../requests.js';
import { LOFF_MAX, isAlignedTo, isPageAligned, pageRoundUp } from '../../uapi/memory.js';
import { fail, hex } from '../fail.js';
import type { ModelProcess } from '../process.js';
import type { GmemInode } from './inode.js';


const refuse = (code: 'EINVAL' | 'ENOMEM' | 'EOVERFLOW' | 'EPERM' | 'ENODEV', reason: string): never =>
  fail(code, reason);

/** Validate a mapping request; returns the page-rounded length and the address it will take. */
export function gmemMmap(
  inode: GmemInode,
  process: ModelProcess<unknown>,
  req: MmapRequest,
): { address: bigint; length: bigint } {
  if (!isPageAligned(req.offset)) refuse('EINVAL', `offset ${hex(req.offset)} is not page aligned`);
  if (!isAlignedTo(req.offset, inode.pageLog2)) refuse('EINVAL', `offset ${hex(req.offset)} is not aligned to the huge page size (2^${inode.pageLog2})`);
  if (req.length === 0n) refuse('EINVAL', 'length is 0');
  const length = pageRoundUp(req.length);
  if (length === 0n) refuse('ENOMEM', `length ${hex(req.length)} overflows when rounded up to a page`);
  // (pgoff + pages cannot wrap an unsigned long on 64-bit: both are below 2^52.)
  const address = roomFor(process, length);
  // file_mmap_ok: the mapped file range must fit below the largest file size.
  if (length > LOFF_MAX || req.offset > LOFF_MAX - length) {
    refuse('EOVERFLOW', `offset ${hex(req.offset)} + length ${hex(length)} passes the largest file offset`);
  }
  // guest_memfd's file system is mounted noexec.
  if (req.prot & PROT_EXEC) refuse('EPERM', 'guest_memfd cannot be mapped executable (noexec)');
  // A private writable mapping is charged against the commit limit before the file is asked.
  if (req.flags === MAP_PRIVATE && req.prot & PROT_WRITE && length > inode.vm.profile.commitLimitBytes) {
    refuse('ENOMEM', `a private writable mapping of ${hex(length)} bytes is more than RAM and swap allow (overcommit)`);
  }
  if (!inode.supportsMmap) refuse('ENODEV', 'the file was created without GUEST_MEMFD_FLAG_MMAP');
  if (req.flags === MAP_PRIVATE) refuse('EINVAL', 'guest_memfd mappings must be shared (MAP_PRIVATE would copy on write)');
  return { address, length };
}

/** get_unmapped_area: where `length` (page rounded) bytes fit in the process, or ENOMEM. */
export function roomFor(process: ModelProcess<unknown>, length: bigint): bigint {
  const address = process.findRoom(length);
  return address ?? refuse('ENOMEM', `no room for ${hex(length)} bytes in the address space`);
}

const THP_ADVICE: readonly number[] = [MADV_ADVICE.byName.MADV_HUGEPAGE, MADV_ADVICE.byName.MADV_NOHUGEPAGE, MADV_ADVICE.byName.MADV_COLLAPSE];

/**
 * madvise(2) on a guest_memfd mapping, for the advice the API offers: the hints change nothing
 * the model keeps; MADV_COLLAPSE cannot make a transparent huge page of guest_memfd memory, so the
 * kernel refuses it with EINVAL (6.18 and 7.x alike, seen on Debian's builds). A kernel without
 * transparent huge pages does not know the three THP advice values at all (madvise_behavior_valid
 * lists them only under CONFIG_TRANSPARENT_HUGEPAGE): EINVAL before the range is looked at.
 */
export function gmemMadvise(advice: number, transparentHugepages: boolean): void {
  if (!transparentHugepages && THP_ADVICE.includes(advice)) {
    fail('EINVAL', `madvise does not know ${MADV_ADVICE.nameOf(advice)}: the kernel is built without transparent huge pages`);
  }
  if (advice === MADV_ADVICE.byName.MADV_COLLAPSE) {
    fail('EINVAL', 'MADV_COLLAPSE: guest_memfd memory cannot be collapsed into a transparent huge page');
  }
}

/** mprotect(2) on a guest_memfd mapping: executable is refused, as the mount is noexec. */
export function gmemMprotect(prot: number): void {
  if (prot & PROT_EXEC) fail('EACCES', 'guest_memfd mappings may not become executable (noexec)');
}
