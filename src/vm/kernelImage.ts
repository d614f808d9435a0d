/**
 * Recognising a kernel image before booting it: an x86 bzImage carries a setup header with the
 * magic "HdrS" at 0x202 and, at 0x20e, a pointer to its version string ("7.3.4+deb13-cloud-amd64
 * (debian-kernel@...) #1 SMP ..."), documented in the kernel's x86 boot protocol.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface KernelImage {
  path: string;
  /** The release as `uname -r` will print it, from the image's version string. */
  release: string;
  versionString: string;
}

const HEADER_MAGIC_OFFSET = 0x202;
const VERSION_POINTER_OFFSET = 0x20e;
const SETUP_BASE = 0x200;

export class NotAKernelError extends Error {}

export function readKernelImage(path: string): KernelImage {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new NotAKernelError(`${path} does not exist`);
  }
  if (!st.isFile()) throw new NotAKernelError(`${path} is not a file`);
  const head = Buffer.alloc(Math.min(st.size, 64 * 1024));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.length < 0x300 || head.toString('latin1', HEADER_MAGIC_OFFSET, HEADER_MAGIC_OFFSET + 4) !== 'HdrS') {
    throw new NotAKernelError(`${path} is not an x86 kernel image (bzImage/vmlinuz): no "HdrS" boot header at 0x202`);
  }
  const at = head.readUInt16LE(VERSION_POINTER_OFFSET) + SETUP_BASE;
  const end = head.indexOf(0, at);
  const versionString = at < head.length && end > at ? head.toString('latin1', at, end) : '';
  return { path, release: versionString.split(' ')[0] ?? '', versionString };
}
