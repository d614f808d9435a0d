/**
 * In-place shared <-> private conversion: the two ioctls that do it (the v8 series'
 * KVM_SET_MEMORY_ATTRIBUTES2 and the RFC v2 series' KVM_GMEM_CONVERT_*), each with its checks in
 * order, over one engine that converts all or nothing.
 */
import type { GmemConvertWords, MemoryAttributes2Words } from '../../requests.js';
import { MEMORY_ATTRIBUTES } from '../../uapi/flags.js';
import { PAGE_SIZE_N, U64_MAX, isPageAligned, pageOf, pageOffset } from '../../uapi/memory.js';
import { ERROR_OFFSET_ERRNOS } from '../../uapi/proposals.js';
import { supportedGmemMemoryAttributes } from '../caps.js';
import { fail, hex } from '../fail.js';
import { PRIVATE, SHARED, type GmemInode } from './inode.js';

/**
 * Convert pages [start, end) of the file. Nothing changes unless all of it can: the busy check
 * (a pin on a page going private) comes before any attribute moves.
 */
export function convertPages(inode: GmemInode, start: number, end: number, toPrivate: boolean, operation: string): void {
  const target = toPrivate ? PRIVATE : SHARED;
  if (inode.attributes.findFirst(start, end, (v) => v !== target) < 0) return; // Already so: nothing to do.
  const injected = inode.vm.takeInjectedFault(operation);
  if (injected) fail(injected, 'injected fault (model fault injection)', ERROR_OFFSET_ERRNOS.has(injected) ? { errorOffset: pageOffset(start) } : {});
  if (toPrivate) {
    // The kernel first zaps every host mapping of the range (kept even if the busy check then
    // refuses: GUP-fast finds no entry there afterwards). Then the busy check:
    inode.zapMappings(start, end);
    const busy = inode.pins.firstPinned(start, end);
    if (busy >= 0) {
      fail('EAGAIN', `page at offset ${hex(pageOffset(busy))} is pinned`, { errorOffset: pageOffset(busy) });
    }
  }
  if (!inode.vm.profile.conversionKeepsContents.includes(inode.vm.type)) {
    // Confidential hardware does not hand contents across: a converted page reads as zero.
    for (const piece of [...inode.attributes.ranges(start, end)]) {
      if (piece.value !== target) inode.contents.drop(piece.start, piece.end);
    }
  }
  inode.attributes.set(start, end, target);
}

/** The range checks both ioctls share: non-empty, no wrap, aligned, inside the file. */
function checkRange(inode: GmemInode, offset: bigint, size: bigint): { start: number; end: number } {
  if (size === 0n || offset + size > U64_MAX) fail('EINVAL', `size ${hex(size)} is 0 or offset + size wraps`);
  if (!isPageAligned(offset) || !isPageAligned(size)) fail('EINVAL', `offset ${hex(offset)} and size ${hex(size)} must be page aligned`);
  if (offset >= inode.size || offset + size > inode.size) {
    fail('EINVAL', `[${hex(offset)}, ${hex(offset + size)}) is not inside the file (${hex(inode.size)})`);
  }
  return { start: pageOf(offset), end: pageOf(offset + size) };
}

/** KVM_SET_MEMORY_ATTRIBUTES2 on a guest_memfd (the v8 series), checks in its order. */
export function setMemoryAttributes2(inode: GmemInode, a: MemoryAttributes2Words): void {
  const op = 'KVM_SET_MEMORY_ATTRIBUTES2';
  const profile = inode.vm.profile;
  if (profile.inPlace?.ioctl !== 'attributes2') fail('ENOTTY', `profile ${profile.name} has no in-place conversion ioctl on the guest_memfd`);
  if (a.flags !== 0n) fail('EINVAL', `flags ${hex(a.flags)} must be 0`);
  const r = a.reserved.findIndex((w) => w !== 0n);
  if (r >= 0) fail('EINVAL', `reserved[${r}] must be 0`);
  if (!inode.vm.hasPrivateMem) fail('EINVAL', 'the VM has no private memory');
  const supported = supportedGmemMemoryAttributes(profile, inode.vm.type);
  if (a.attributes & ~supported) fail('EINVAL', `attributes ${MEMORY_ATTRIBUTES.format(a.attributes)} are not in ${hex(supported)}`);
  const { start, end } = checkRange(inode, a.offset, a.size);
  convertPages(inode, start, end, a.attributes !== 0n, op);
}

/** KVM_GMEM_CONVERT_SHARED / _PRIVATE (RFC v2 of 1G page support), checks in the model's reading of it. */
export function gmemConvert(inode: GmemInode, toPrivate: boolean, a: GmemConvertWords): void {
  const op = toPrivate ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED';
  const profile = inode.vm.profile;
  if (profile.inPlace?.ioctl !== 'convert') fail('ENOTTY', `profile ${profile.name} has no KVM_GMEM_CONVERT ioctls`);
  if (a.errorOffset !== 0n) fail('EINVAL', 'error_offset is an output and must be 0 on input');
  const r = a.reserved.findIndex((w) => w !== 0n);
  if (r >= 0) fail('EINVAL', `reserved[${r}] must be 0`);
  if (!inode.supportsMmap) fail('EINVAL', 'the file was created without SUPPORT_SHARED: it has only private memory');
  if (!inode.vm.hasPrivateMem) fail('EINVAL', 'the VM has no private memory');
  if (a.size === 0n) return; // The RFC defines an empty conversion as a successful no-op.
  const { start, end } = checkRange(inode, a.offset, a.size);
  convertPages(inode, start, end, toPrivate, op);
}

/**
 * Pin [offset, offset + length) (the handle already checked that it is page aligned and inside the
 * file): pins are taken through a host mapping (get_user_pages, a DMA map of a user address), so
 * a file that cannot be mapped refuses as mmap does (ENODEV), and every page must be shared.
 */
export function pinRange(inode: GmemInode, offset: bigint, length: bigint): { start: number; end: number } {
  if (!inode.supportsMmap) fail('ENODEV', 'the file was created without GUEST_MEMFD_FLAG_MMAP: no mapping to pin through');
  const start = Number(offset / PAGE_SIZE_N);
  const end = Number((offset + length) / PAGE_SIZE_N);
  const priv = inode.attributes.findFirst(start, end, (v) => v !== SHARED);
  if (priv >= 0) fail('EFAULT', `page at offset ${hex(pageOffset(priv))} is private: the host cannot reach it to pin it`);
  return { start, end };
}
