/**
 * A host mapping on the kernel backend. Every access is a copy through the addon with a SIGBUS
 * guard around exactly that copy, page by page in ascending order, so a page the kernel refuses
 * becomes a KvmError 'SIGBUS' (with the bytes before it done) and the process lives on.
 *
 * No ArrayBuffer over the mapped memory is ever handed out: reads return copies. So nothing in
 * JavaScript can reach the memory after unmap(), and there is nothing to detach.
 */
import type { BytesInput, HostMapping, U64Input } from '../api.js';
import { byteValue, bytes } from '../args.js';
import { KvmError } from '../errors.js';
import { mappingBufferSpan, mappingFillSpan, mappingReadSpan, protAllows, protWord, protectionFault } from '../requests.js';
import { PAGE_SIZE_N } from '../uapi/memory.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

export class KernelHostMapping implements HostMapping {
  private isMapped = true;
  private currentProt: number;

  constructor(
    private readonly native: NativeAddon,
    readonly address: bigint,
    readonly length: bigint,
    readonly offset: bigint,
    prot: number,
  ) {
    this.currentProt = prot;
  }

  get prot(): number {
    return this.currentProt;
  }

  get mapped(): boolean {
    return this.isMapped;
  }

  read(offset: U64Input, length: number): Uint8Array {
    const { start, length: len } = mappingReadSpan(offset, length, this.length);
    this.ready('read', start, len);
    const out = new Uint8Array(Number(len));
    this.settle('read', start, this.native.guardedRead(this.address + start, out), out.length);
    return out;
  }

  readInto(offset: U64Input, dest: Uint8Array): void {
    if (!(dest instanceof Uint8Array)) throw new TypeError('dest must be a Uint8Array');
    const { start } = mappingBufferSpan('read', offset, dest, this.length);
    this.ready('read', start, dest.length);
    this.settle('read', start, this.native.guardedRead(this.address + start, dest), dest.length);
  }

  write(offset: U64Input, data: BytesInput): void {
    const src = bytes(data, 'data');
    const { start } = mappingBufferSpan('write', offset, src, this.length);
    this.ready('write', start, src.byteLength);
    this.settle('write', start, this.native.guardedWrite(this.address + start, src), src.byteLength);
  }

  fill(offset: U64Input, length: U64Input, byte: number): void {
    const { start, length: len } = mappingFillSpan(offset, length, this.length);
    const value = byteValue(byte, 'byte');
    this.ready('fill', start, len);
    this.settle('fill', start, this.native.guardedFill(this.address + start, len, value), Number(len));
  }

  mprotect(prot: number): void {
    const p = protWord(prot);
    this.ensureMapped('mprotect');
    check(this.native.mprotect(this.address, this.length, p), 'mprotect', 'mprotect');
    this.currentProt = p;
  }

  unmap(): void {
    if (!this.isMapped) return;
    this.isMapped = false;
    check(this.native.munmap(this.address, this.length), 'munmap', 'munmap');
  }

  [Symbol.dispose](): void {
    this.unmap();
  }

  private ensureMapped(operation: string): void {
    if (!this.isMapped) throw new KvmError('EBADF', { syscall: 'access', operation, reason: 'the mapping was unmapped' });
  }

  /**
   * A touch the protection forbids would be a SIGSEGV, which no guard here catches (the
   * process would die): refuse it before any byte is touched.
   */
  private ready(operation: 'read' | 'write' | 'fill', start: bigint, length: number | bigint): void {
    this.ensureMapped(operation);
    if (!protAllows(this.currentProt, operation === 'read' ? 'read' : 'write', length)) throw protectionFault(operation, this.currentProt, start);
  }

  private settle(operation: string, start: bigint, done: number, wanted: number): void {
    if (done < 0) throw new Error(`native guarded ${operation} refused its arguments (${done})`);
    if (done >= wanted) return;
    const at = start + BigInt(done);
    const fileOffset = this.offset + at;
    throw new KvmError('SIGBUS', {
      syscall: 'access',
      operation: `host ${operation}`,
      reason: `the kernel refused the page at file offset 0x${(fileOffset - (fileOffset % PAGE_SIZE_N)).toString(16)}`,
      mappingOffset: at,
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
