/**
 * read()/write() on a guest_memfd, where a profile offers them (the granular-flags idea, and the
 * proposed WRITE flag): they reach shared pages only, never grow the file, and can be withdrawn
 * for good with seals. A file without the flag refuses them as 6.18 does (fileOps.ts).
 */
import { PAGE_SIZE, PAGE_SIZE_N, asLoff } from '../../uapi/memory.js';
import { fail, hex } from '../fail.js';
import type { GmemInode } from './inode.js';

export type IoRight = 'read' | 'write';

/** The flag that grants a right, or 0n when the profile has none. */
function flagFor(inode: GmemInode, right: IoRight): bigint {
  return (right === 'read' ? inode.vm.profile.gmemFlags.read : inode.vm.profile.gmemFlags.write) ?? 0n;
}

/** Whether the file was created with the flag for this right (sealed or not). */
export function hasIoFlag(inode: GmemInode, right: IoRight): boolean {
  const f = flagFor(inode, right);
  return f !== 0n && (inode.flags & f) !== 0n;
}

/** Refuse a sealed right: EPERM, as a write to a sealed memfd. */
function checkSeal(inode: GmemInode, right: IoRight): void {
  if (inode.seals & flagFor(inode, right)) fail('EPERM', `${right.toUpperCase()} was withdrawn by a seal`);
}

/**
 * Copy between the file and a buffer from `position`, page by page: clipped at the end of the
 * file, stopped before the first private page (a short count); nothing at all is EPERM.
 */
function transfer(inode: GmemInode, right: IoRight, position: bigint, length: number, copy: (page: number, inPage: number, done: number, n: number) => void): number {
  checkSeal(inode, right);
  const pos = asLoff(position);
  if (pos < 0n) fail('EINVAL', 'position is negative as a loff_t');
  if (length === 0) return 0;
  if (pos >= inode.size) {
    if (right === 'read') return 0; // End of file.
    fail('ENOSPC', `position ${hex(pos)} is at or past the end of the file: its size is fixed`);
  }
  const end = Number(BigInt(length) < inode.size - pos ? BigInt(length) : inode.size - pos);
  let done = 0;
  while (done < end) {
    const at = pos + BigInt(done);
    const page = Number(at / PAGE_SIZE_N);
    const inPage = Number(at % PAGE_SIZE_N);
    const n = Math.min(PAGE_SIZE - inPage, end - done);
    if (inode.isPrivate(page)) {
      if (done === 0) fail('EPERM', `the page at ${hex(at - BigInt(inPage))} is private`);
      break;
    }
    inode.faultIn(page);
    copy(page, inPage, done, n);
    done += n;
  }
  return done;
}

export function gmemPread(inode: GmemInode, length: number, position: bigint): Uint8Array {
  const out = new Uint8Array(length);
  const n = transfer(inode, 'read', position, length, (page, inPage, done, k) => inode.contents.read(page, inPage, out, done, k));
  return out.subarray(0, n);
}

/** A write of part of a page keeps the rest of it (the page is zero-filled on first use). */
export function gmemPwrite(inode: GmemInode, data: Uint8Array, position: bigint): number {
  return transfer(inode, 'write', position, data.byteLength, (page, inPage, done, k) => inode.contents.write(page, inPage, data, done, k));
}

/** lseek on a file with READ or WRITE: SEEK_SET, SEEK_CUR, SEEK_END. */
export function gmemLseek(inode: GmemInode, current: bigint, offset: bigint, whence: number): bigint {
  const off = asLoff(offset);
  const base = whence === 0 ? 0n : whence === 1 ? current : whence === 2 ? inode.size : undefined;
  if (base === undefined) fail('EINVAL', `whence ${whence} is not SEEK_SET, SEEK_CUR or SEEK_END here`);
  const next = base! + off;
  if (next < 0n) fail('EINVAL', 'the resulting position is negative');
  return next;
}

/** Withdraw READ and/or WRITE for good. */
export function gmemAddSeals(inode: GmemInode, flags: bigint): void {
  const p = inode.vm.profile;
  const sealable = (p.gmemFlags.read ?? 0n) | (p.gmemFlags.write ?? 0n);
  if (!p.seals) fail('EINVAL', `profile ${p.name} has no seals`);
  if (flags === 0n || flags & ~sealable) fail('EINVAL', `only READ and WRITE (${hex(sealable)}) can be sealed, not ${hex(flags)}`);
  inode.seals |= flags;
}
