/**
 * A host mapping of a guest_memfd in the model. It holds a reference on the file (as a VMA
 * does), and every access asks the file's fault rule page by page, in ascending order, so a
 * copy that meets a page the kernel would SIGBUS on stops there with the pages before it done.
 */
import type { BytesInput, HostMapping, U64Input } from '../api.js';
import { byteValue, bytes } from '../args.js';
import { mappingBufferSpan, mappingFillSpan, mappingReadSpan, protAllows, protWord, protectionFault } from '../requests.js';
import { PAGE_SIZE, PAGE_SIZE_N } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import type { GmemInode } from './guestMemfd/inode.js';
import { gmemMprotect } from './guestMemfd/mmap.js';
import type { ModelProcess } from './process.js';

export class ModelHostMapping implements HostMapping {
  private isMapped = true;
  private currentProt: number;

  constructor(
    private readonly process: ModelProcess<unknown>,
    /** The file it maps (read by the explorer to draw mappings on the file). */
    readonly inode: GmemInode,
    readonly address: bigint,
    readonly length: bigint,
    readonly offset: bigint,
    prot: number,
  ) {
    this.currentProt = prot;
    inode.get();
    process.occupy(address, length, this);
  }

  get prot(): number {
    return this.currentProt;
  }

  get mapped(): boolean {
    return this.isMapped;
  }

  read(offset: U64Input, length: number): Uint8Array {
    const { start, length: len } = mappingReadSpan(offset, length, this.length);
    this.ensureMapped('read');
    const out = new Uint8Array(Number(len));
    this.eachPage('read', start, out.length, (filePage, inPage, done, n) => {
      this.inode.contents.read(filePage, inPage, out, done, n);
    });
    return out;
  }

  readInto(offset: U64Input, dest: Uint8Array): void {
    if (!(dest instanceof Uint8Array)) throw new TypeError('dest must be a Uint8Array');
    const { start } = mappingBufferSpan('read', offset, dest, this.length);
    this.ensureMapped('read');
    this.eachPage('read', start, dest.length, (filePage, inPage, done, n) => {
      this.inode.contents.read(filePage, inPage, dest, done, n);
    });
  }

  write(offset: U64Input, data: BytesInput): void {
    const src = bytes(data, 'data');
    const { start } = mappingBufferSpan('write', offset, src, this.length);
    this.ensureMapped('write');
    this.eachPage('write', start, src.byteLength, (filePage, inPage, done, n) => {
      this.inode.contents.write(filePage, inPage, src, done, n);
    });
  }

  fill(offset: U64Input, length: U64Input, byte: number): void {
    const { start, length: len } = mappingFillSpan(offset, length, this.length);
    const value = byteValue(byte, 'byte');
    this.ensureMapped('fill');
    // A range operation: a 1 TiB zero fill costs what the file's ranges cost, not 2^28 pages.
    this.eachRange('fill', start, len, (from, to) => this.inode.contents.fillRange(from, to, value));
  }

  mprotect(prot: number): void {
    const p = protWord(prot);
    this.ensureMapped('mprotect');
    gmemMprotect(p);
    this.currentProt = p;
  }

  unmap(): void {
    if (!this.isMapped) return;
    this.isMapped = false;
    this.process.release(this.address);
    this.inode.put();
  }

  [Symbol.dispose](): void {
    this.unmap();
  }

  /**
   * The file page behind a mapping offset, as KVM's lookup of a host address would fault it in;
   * undefined when the host itself could not touch it (protection or the file's fault rule).
   */
  pageFor(offset: bigint, write: boolean): { inode: GmemInode; page: number } | undefined {
    if (!protAllows(this.currentProt, write ? 'write' : 'read', 1)) return undefined;
    const page = Number((this.offset + offset) / PAGE_SIZE_N);
    if (this.inode.hostFault(page) !== null) return undefined;
    return { inode: this.inode, page };
  }

  private ensureMapped(operation: string): void {
    if (!this.isMapped) fail('EBADF', 'access', operation, 'the mapping was unmapped');
  }

  /** Walk [start, start+len) page by page (bounded by the caller's buffer), faulting pages in first. */
  private eachPage(
    operation: 'read' | 'write' | 'fill',
    start: bigint,
    len: number,
    copy: (filePage: number, inPage: number, done: number, n: number) => void,
  ): void {
    const base = this.offset + start;
    this.eachRange(operation, start, BigInt(len), (from, to) => {
      let done = Number(from - base);
      const stop = Number(to - base);
      while (done < stop) {
        const fileOffset = base + BigInt(done);
        const inPage = Number(fileOffset % PAGE_SIZE_N);
        const n = Math.min(PAGE_SIZE - inPage, stop - done);
        copy(Number(fileOffset / PAGE_SIZE_N), inPage, done, n);
        done += n;
      }
    });
  }

  /**
   * The access [start, start+len) as one range: the first page the file refuses is found with a
   * range query, every page before it is faulted in at once and handed to `apply` as file byte
   * offsets [from, to), then the refusal is a SIGBUS naming that page. So, as on the kernel, the
   * bytes before a refused page are done and none from it on.
   */
  private eachRange(operation: 'read' | 'write' | 'fill', start: bigint, len: bigint, apply: (from: bigint, to: bigint) => void): void {
    if (!protAllows(this.currentProt, operation === 'read' ? 'read' : 'write', len)) throw protectionFault(operation, this.currentProt, start);
    if (len === 0n) return;
    const base = this.offset + start;
    const firstPage = Number(base / PAGE_SIZE_N);
    const endPage = Number((base + len + PAGE_SIZE_N - 1n) / PAGE_SIZE_N);
    const fault = this.inode.firstHostFault(firstPage, endPage);
    const goodEnd = fault ? BigInt(fault.page) * PAGE_SIZE_N : base + len;
    const goodLen = goodEnd > base ? goodEnd - base : 0n;
    if (goodLen > 0n) {
      this.inode.faultInRange(firstPage, fault ? fault.page : endPage);
      apply(base, base + goodLen);
    }
    if (!fault) return;
    const fileOffset = base + goodLen;
    fail('SIGBUS', 'access', `host ${operation}`, fault.verdict === 'past-eof'
      ? `file offset ${hex(fileOffset)} is at or past the end of the file (${hex(this.inode.size)})`
      : `file offset ${hex(fileOffset)} is in a private page`, {
      mappingOffset: start + goodLen,
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
