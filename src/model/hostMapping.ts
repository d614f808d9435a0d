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
import { PAGE_SIZE, PAGE_SIZE_N } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import type { GmemInode, HostFaultVerdict } from './guestMemfd/inode.js';
import { gmemMadvise, gmemMprotect } from './guestMemfd/mmap.js';
import { HostPtes, gupStep, type GupRequest } from './hostPtes.js';
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
  /** The host's page table entries for this mapping (what GUP-fast can take). */
  private readonly ptes: HostPtes;
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
    const ptes = new HostPtes(this.offsetPage, Number(length / PAGE_SIZE_N));
    this.ptes = ptes;
    inode.get();
    inode.mappedBy(ptes);
    process.occupy(address, length, this, () => {
      inode.unmappedBy(ptes);
      inode.put();
    });
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
    const { end, refused } = this.faultedEnd(at, len);
    for (let done = 0, n = 0; at + done < end; done += n) {
      const inPage = (at + done) % PAGE_SIZE;
      n = Math.min(PAGE_SIZE - inPage, end - at - done);
      piece(this.filePageAt(at + done), inPage, done, n);
    }
    if (refused) this.refuseAt(end, refused);
  }

  fill(start: bigint, length: bigint, value: number): void {
    // A range operation: a 1 TiB zero fill costs what the file's ranges cost, not 2^28 pages.
    const at = Number(start);
    const len = Number(length);
    const { end, refused } = this.faultedEnd(at, len);
    if (end > at) this.inode.contents.fillRange(this.offset + start, this.offset + BigInt(end), value);
    if (refused) this.refuseAt(end, refused);
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

  /** lookup_node: get_user_pages_fast for reading (faulting the page in if need be), then the page's node. */
  pageNode(start: bigint): number {
    const got = this.getUserPage(start, { write: false, fast: 'read' });
    const page = this.filePageAt(Number(start));
    if (got === 'vma-flags') fail('EFAULT', `the mapping is not readable: get_user_pages cannot fault page ${page} in (no page table entry for GUP-fast to take)`);
    if (typeof got === 'string') fail('EFAULT', `get_user_pages cannot fault file page ${page} in (${got === 'private' ? 'a private page' : 'past the end of the file'})`);
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
   * get_user_pages of the page at mapping offset `offset`: the file page, or why not. GUP-fast
   * and the VMA check are hostPtes.ts's rule; the slow path's fault then asks the file's own
   * fault rule, and a page it faults in has a page table entry from then on.
   */
  getUserPage(offset: bigint, req: GupRequest): { inode: GmemInode; page: number } | 'vma-flags' | NonNullable<HostFaultVerdict> {
    const mappingPage = Number(offset / PAGE_SIZE_N);
    const page = this.offsetPage + mappingPage;
    const step = gupStep(this.ptes, mappingPage, this.currentProt, req);
    if (step === 'vma-flags') return step;
    if (step === 'fault') {
      const verdict = this.inode.hostFault(page);
      if (verdict !== null) return verdict;
      this.inode.faultIn(page);
      this.ptes.populate(mappingPage, mappingPage + 1);
    }
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
      pgoff: this.offsetPage,
      pages: Number(this.length / PAGE_SIZE_N),
      populated: (from, to) => inode.anyPageIn(from, to),
    };
  }

  /**
   * An access of [at, at + len) (mapping offsets) as one range: the first page the file refuses
   * is found with a range query, and every page before it is faulted in at once (and so gets a
   * page table entry). Returns where the good part ends, at + len or the start of the refused
   * page, and why that page is refused. The caller copies up to there and then calls refuseAt:
   * so, as on the kernel, the bytes before a refused page are done and none from it on.
   */
  private faultedEnd(at: number, len: number): { end: number; refused: NonNullable<HostFaultVerdict> | null } {
    if (len === 0) return { end: at, refused: null };
    const firstPage = this.filePageAt(at);
    const endPage = this.filePageAt(at + len - 1) + 1;
    const fault = this.inode.firstHostFault(firstPage, endPage);
    const goodEnd = fault ? Math.max(at, (fault.page - this.offsetPage) * PAGE_SIZE) : at + len;
    if (goodEnd > at) {
      const goodEndPage = fault ? fault.page : endPage;
      this.inode.faultInRange(firstPage, goodEndPage);
      this.ptes.populate(firstPage - this.offsetPage, goodEndPage - this.offsetPage);
    }
    return { end: goodEnd, refused: fault ? fault.verdict : null };
  }

  /** The SIGBUS for the page at mapping offset `end`, where an access stopped short for `verdict`. */
  private refuseAt(end: number, verdict: NonNullable<HostFaultVerdict>): never {
    const fileOffset = this.offset + BigInt(end);
    return fail('SIGBUS', verdict === 'past-eof'
      ? `file offset ${hex(fileOffset)} is at or past the end of the file (${hex(this.inode.size)})`
      : `file offset ${hex(fileOffset)} is in a private page`, {
      mappingOffset: BigInt(end),
      fileOffset: fileOffset - (fileOffset % PAGE_SIZE_N),
    });
  }
}
