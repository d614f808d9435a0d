/**
 * A host mapping of a guest_memfd in the model. It holds a reference on the file (as a VMA
 * does), and every access asks the file's fault rule page by page, in ascending order, so a
 * copy that meets a page the kernel would SIGBUS on stops there with the pages before it done.
 * The handle (src/handles/hostMapping.ts) has checked the span, the protection and that the
 * mapping is still there.
 */
import type { MappingBackend, MempolicyWords } from '../handles/backend.js';
import { PolicyRanges, UNKNOWN_NODE, modelGetMempolicy, modelMbind, type PolicyTarget } from './mempolicy.js';
import { UnsupportedError } from '../errors.js';
import { protAllows } from '../requests.js';
import { PAGE_SIZE, PAGE_SIZE_N } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import type { GmemInode } from './guestMemfd/inode.js';
import { gmemMadvise, gmemMprotect } from './guestMemfd/mmap.js';
import type { ModelProcess } from './process.js';

export class ModelHostMapping implements MappingBackend {
  readonly systemResource = false;
  private currentProt: number;
  /**
   * The file page where the mapping starts. An access is walked in numbers, not BigInt: mmap
   * offsets are page aligned (so a byte's place in its page is the same in the mapping and in
   * the file), a mapping is shorter than the 2^47-byte address space and file pages stay below
   * 2^51, all safe integers.
   */
  private readonly offsetPage: number;
  private vmaPolicy: PolicyRanges | undefined;

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
    this.offsetPage = Number(offset / PAGE_SIZE_N);
    inode.get();
    process.occupy(address, length, this, () => inode.put());
  }

  read(start: bigint, out: Uint8Array): void {
    const contents = this.inode.contents;
    this.copy(Number(start), out.length, (page, inPage, done, n) => contents.read(page, inPage, out, done, n));
  }

  write(start: bigint, src: Uint8Array): void {
    const contents = this.inode.contents;
    this.copy(Number(start), src.byteLength, (page, inPage, done, n) => contents.write(page, inPage, src, done, n));
  }

  /**
   * An access of `len` bytes from mapping offset `at`, page piece by page piece (one closure per
   * call, plain numbers per page): the pages the file allows are faulted in and copied, then the
   * first refused page, if any, is the SIGBUS.
   */
  private copy(at: number, len: number, piece: (filePage: number, inPage: number, done: number, n: number) => void): void {
    const end = this.faultedEnd(at, len);
    for (let done = 0, n = 0; at + done < end; done += n) {
      const inPage = (at + done) % PAGE_SIZE;
      n = Math.min(PAGE_SIZE - inPage, end - at - done);
      piece(this.filePageAt(at + done), inPage, done, n);
    }
    this.refuseAt(at, end, len);
  }

  fill(start: bigint, length: bigint, value: number): void {
    // A range operation: a 1 TiB zero fill costs what the file's ranges cost, not 2^28 pages.
    const at = Number(start);
    const len = Number(length);
    const end = this.faultedEnd(at, len);
    if (end > at) this.inode.contents.fillRange(this.offset + start, this.offset + BigInt(end), value);
    this.refuseAt(at, end, len);
  }

  madvise(advice: number): void {
    gmemMadvise(advice, this.inode.vm.profile.transparentHugepages);
  }

  mbind(start: bigint, length: bigint, mode: number, mask: Uint8Array | null, maxnode: bigint, flags: number): void {
    modelMbind(this.policyTarget(), this.inode.vm.profile, start, length, mode, mask, maxnode, flags);
  }

  getMempolicy(start: bigint): MempolicyWords {
    return modelGetMempolicy(this.policyTarget(), start);
  }

  /** lookup_node: GUP faults the page in for reading, then names its node. */
  pageNode(start: bigint): number {
    const page = Number((this.offset + start) / PAGE_SIZE_N);
    if (!protAllows(this.currentProt, 'read', 1)) fail('EFAULT', `the mapping is not readable: get_user_pages cannot fault page ${page} in`);
    const verdict = this.inode.hostFault(page);
    if (verdict !== null) fail('EFAULT', `get_user_pages cannot fault file page ${page} in (${verdict === 'private' ? 'a private page' : 'past the end of the file'})`);
    this.inode.faultIn(page);
    const node = this.inode.pageNode(page);
    if (node === UNKNOWN_NODE) throw new UnsupportedError('model', 'get_mempolicy(MPOL_F_NODE)', 'the node of a page an interleaving policy placed is not modelled');
    return node;
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

  /** The file page behind mapping byte `at`. */
  private filePageAt(at: number): number {
    return this.offsetPage + Math.floor(at / PAGE_SIZE);
  }

  /** The VMA's policies (made on first use: most mappings never get one) and the file's, where the release shares them. */
  private policyTarget(): PolicyTarget {
    this.vmaPolicy ??= new PolicyRanges();
    const inode = this.inode;
    return {
      vma: this.vmaPolicy,
      file: inode.vm.profile.release.mempolicy ? inode.sharedPolicy() : null,
      pgoff: Number(this.offset / PAGE_SIZE_N),
      pages: Number(this.length / PAGE_SIZE_N),
      populated: (from, to) => inode.anyPageIn(from, to),
    };
  }

  /**
   * An access of [at, at + len) (mapping offsets) as one range: the first page the file refuses
   * is found with a range query, and every page before it is faulted in at once. Returns where
   * the good part ends: at + len, or the start of the refused page. The caller copies up to
   * there and then calls refuseAt: so, as on the kernel, the bytes before a refused page are
   * done and none from it on.
   */
  private faultedEnd(at: number, len: number): number {
    if (len === 0) return at;
    const firstPage = this.filePageAt(at);
    const endPage = this.filePageAt(at + len - 1) + 1;
    const fault = this.inode.firstHostFault(firstPage, endPage);
    const goodEnd = fault ? Math.max(at, (fault.page - this.offsetPage) * PAGE_SIZE) : at + len;
    if (goodEnd > at) this.inode.faultInRange(firstPage, fault ? fault.page : endPage);
    return goodEnd;
  }

  /** The SIGBUS for the page at mapping offset `end`, when the access [at, at + len) stopped short of its end. */
  private refuseAt(at: number, end: number, len: number): void {
    if (end >= at + len) return;
    const page = this.filePageAt(end);
    const verdict = this.inode.hostFault(page);
    const fileOffset = this.offset + BigInt(end);
    fail('SIGBUS', verdict === 'past-eof'
      ? `file offset ${hex(fileOffset)} is at or past the end of the file (${hex(this.inode.size)})`
      : `file offset ${hex(fileOffset)} is in a private page`, {
      mappingOffset: BigInt(end),
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
