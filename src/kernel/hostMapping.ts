/**
 * A host mapping on the kernel backend. Every access is a copy through the addon with a SIGBUS
 * guard around exactly that copy, page by page in ascending order, so a page the kernel refuses
 * becomes a 'SIGBUS' failure (with the bytes before it done) and the process lives on. The
 * handle (src/handles/hostMapping.ts) has checked the span, the protection (a SIGSEGV no guard
 * catches) and that the mapping is still there.
 *
 * No ArrayBuffer over the mapped memory is ever handed out: reads return copies. So nothing in
 * JavaScript can reach the memory after unmap(), and there is nothing to detach.
 */
import { Errno } from '../errors.js';
import type { MappingBackend, MempolicyWords } from '../handles/backend.js';
import { MPOL_F_ADDR, MPOL_F_NODE } from '../uapi/mempolicy.js';
import { PAGE_SIZE_N } from '../uapi/memory.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';
import type { VmHold } from './vmHold.js';

export class KernelHostMapping implements MappingBackend {
  readonly systemResource = true;
  constructor(
    private readonly native: NativeAddon,
    readonly address: bigint,
    readonly length: bigint,
    /** The file offset the mapping starts at (a SIGBUS names the file page). */
    private readonly offset: bigint,
    /** A guest_memfd mapping keeps the file, and so its VM, alive until it is unmapped. */
    private readonly vmHold?: VmHold,
  ) {
    vmHold?.get(address);
  }

  read(start: bigint, out: Uint8Array): void {
    this.settle('read', start, this.native.guardedRead(this.address + start, out), out.length);
  }

  write(start: bigint, src: Uint8Array): void {
    this.settle('write', start, this.native.guardedWrite(this.address + start, src), src.byteLength);
  }

  fill(start: bigint, length: bigint, value: number): void {
    this.settle('fill', start, this.native.guardedFill(this.address + start, length, value), Number(length));
  }

  madvise(advice: number): void {
    check(this.native.madvise(this.address, this.length, advice));
  }

  mbind(start: bigint, length: bigint, mode: number, mask: Uint8Array | null, maxnode: bigint, flags: number): void {
    check(this.native.mbind(this.address + start, length, mode, mask, maxnode, flags));
  }

  getMempolicy(start: bigint): MempolicyWords {
    return check(this.native.getMempolicy(this.address + start, MPOL_F_ADDR));
  }

  pageNode(start: bigint): number {
    return check(this.native.getMempolicy(this.address + start, MPOL_F_ADDR | MPOL_F_NODE)).mode;
  }

  mprotect(prot: number): void {
    check(this.native.mprotect(this.address, this.length, prot));
  }

  munmap(): void {
    check(this.native.munmap(this.address, this.length));
    this.vmHold?.put(this.address);
  }

  private settle(operation: string, start: bigint, done: number, wanted: number): void {
    if (done < 0) throw new Error(`native guarded ${operation} refused its arguments (${done})`);
    if (done >= wanted) return;
    const at = start + BigInt(done);
    const fileOffset = this.offset + at;
    throw new Errno('SIGBUS', {
      reason: `the kernel refused the page at file offset 0x${(fileOffset - (fileOffset % PAGE_SIZE_N)).toString(16)}`,
      mappingOffset: at,
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
