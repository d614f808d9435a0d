/**
 * A host mapping of a guest_memfd in the model. It holds a reference on the file (as a VMA
 * does), and every access asks the file's fault rule page by page, in ascending order, so a
 * copy that meets a page the kernel would SIGBUS on stops there with the pages before it done.
 * The handle (src/handles/hostMapping.ts) has checked the span, the protection and that the
 * mapping is still there.
 */
import type { MappingBackend } from '../handles/backend.js';
import { protAllows } from '../requests.js';
import { PAGE_SIZE, PAGE_SIZE_N } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import type { GmemInode } from './guestMemfd/inode.js';
import { gmemMadvise, gmemMprotect } from './guestMemfd/mmap.js';
import type { ModelProcess } from './process.js';

export class ModelHostMapping implements MappingBackend {
  readonly systemResource = false;
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
    process.occupy(address, length, this, () => inode.put());
  }

  read(start: bigint, out: Uint8Array): void {
    this.eachPage(start, out.length, (filePage, inPage, done, n) => {
      this.inode.contents.read(filePage, inPage, out, done, n);
    });
  }

  write(start: bigint, src: Uint8Array): void {
    this.eachPage(start, src.byteLength, (filePage, inPage, done, n) => {
      this.inode.contents.write(filePage, inPage, src, done, n);
    });
  }

  fill(start: bigint, length: bigint, value: number): void {
    // A range operation: a 1 TiB zero fill costs what the file's ranges cost, not 2^28 pages.
    this.eachRange(start, length, (from, to) => this.inode.contents.fillRange(from, to, value));
  }

  madvise(advice: number): void {
    gmemMadvise(advice, this.inode.vm.profile.transparentHugepage);
  }

  mprotect(prot: number): void {
    gmemMprotect(prot);
    this.currentProt = prot;
  }

  munmap(): void {
    this.process.release(this.address); // Drops the file's reference too.
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

  /** Walk [start, start+len) page by page (bounded by the caller's buffer), faulting pages in first. */
  private eachPage(
    start: bigint,
    len: number,
    copy: (filePage: number, inPage: number, done: number, n: number) => void,
  ): void {
    const base = this.offset + start;
    this.eachRange(start, BigInt(len), (from, to) => {
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
  private eachRange(start: bigint, len: bigint, apply: (from: bigint, to: bigint) => void): void {
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
    fail('SIGBUS', fault.verdict === 'past-eof'
      ? `file offset ${hex(fileOffset)} is at or past the end of the file (${hex(this.inode.size)})`
      : `file offset ${hex(fileOffset)} is in a private page`, {
      mappingOffset: start + goodLen,
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
