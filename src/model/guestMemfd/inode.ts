/**
 * The guest_memfd inode: its fixed size and flags, per-page allocation state, page contents,
 * and which memslots bind which pages. The file's references (its descriptor and every host
 * mapping) keep it alive; the last one releases it, which unbinds its memslots and drops the
 * reference it holds on the VM.
 */
import { RangeMap, type Fragment } from '../rangeMap.js';
import { PageStore } from '../pageStore.js';
import type { KvmErrorCode } from '../../errors.js';
import type { Profile } from '../profile.js';
import { RefCounted } from '../refCounted.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../../uapi/memory.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../../uapi/flags.js';
import { PinSet } from './pins.js';
import { SparseRanges } from '../sparseRanges.js';
import { PolicyRanges, placementNode } from '../mempolicy.js';
import { liveModelObjects } from '../stats.js';
import type { HostPtes } from '../hostPtes.js';

/** The two values of a page's attribute in the inode. */
export const SHARED = 0;
export const PRIVATE = Number(KVM_MEMORY_ATTRIBUTE_PRIVATE);

/** Allocation state of a page. */
export const PageState = {
  /** No page: a hole (never allocated, or punched). */
  Hole: 0,
  /** Allocated by fallocate but not yet used: the first use zeroes it. */
  Allocated: 1,
  /** In use: its contents are what was last written (zeroes if nothing was). */
  Uptodate: 2,
} as const;
export type PageState = (typeof PageState)[keyof typeof PageState];

const notUptodate = (state: number): boolean => state !== PageState.Uptodate;
const holeToAllocated = (state: number): number => (state === PageState.Hole ? PageState.Allocated : state);

/** Why a host touch of a page fails, or null when it may proceed. */
export type HostFaultVerdict = null | 'past-eof' | 'private';

let nextIno = 1n;

/**
 * What a file needs of its VM (struct kvm). Declared here, not imported from vmState.ts, whose
 * memslots point back at the inodes bound to them: the VM knows its files, a file only this.
 */
export interface GmemOwner {
  readonly profile: Profile;
  readonly type: number;
  readonly hasPrivateMem: boolean;
  /** A fault a test injected for this operation, taken once. */
  takeInjectedFault(operation: string): KvmErrorCode | undefined;
  get(): void;
  put(): void;
}

/** What a file needs of a memslot bound to it (vmState.ts's Memslot has these and more). */
export interface BoundSlot {
  readonly key: number;
  readonly npages: number;
  readonly gmem: { inode: GmemInode | null; readonly pgoff: number } | null;
}

export class GmemInode extends RefCounted {
  readonly ino = nextIno++;
  readonly pageCount: number;
  readonly pageState: RangeMap;
  readonly contents = new PageStore(PAGE_SIZE);
  /**
   * Per page: 0 (shared) or KVM_MEMORY_ATTRIBUTE_PRIVATE. It belongs to the inode: binding,
   * unbinding and punching never change it; only an in-place conversion does.
   */
  readonly attributes: RangeMap;
  /** Long-term pins of its pages (DMA, get_user_pages). */
  readonly pins = new PinSet();
  /** READ/WRITE withdrawn for good (the granular-flags profile). */
  seals = 0n;
  /** The shared memory policy by file page; undefined until an mbind sets one. */
  private policy: PolicyRanges | undefined;
  /** Pages placed off the local node by the policy (absent: the local node); kept once a policy exists. */
  private placed: SparseRanges<number> | undefined;
  /**
   * Per page: 0 when unbound, else the binding slot's key + 1. Made on the first bind: most
   * files are never bound, and a map costs a guest_memfd creation six typed arrays.
   */
  private bindings: RangeMap | undefined;
  private readonly boundSlots = new Map<number, BoundSlot>();
  /** The page table entries of every host mapping of the file (its address_space's i_mmap). */
  private readonly mappings = new Set<HostPtes>();

  constructor(
    readonly vm: GmemOwner,
    readonly size: bigint,
    readonly flags: bigint,
    /** Created with GUEST_MEMFD_FLAG_MMAP: it can be mapped, and a slot bound to it is guest_memfd only. */
    readonly supportsMmap: boolean,
    /** Whether its pages start shared (6.18: created with INIT_SHARED; they then stay so). */
    startsShared: boolean,
    /** log2 of the file's page size: 12, or a huge page's (hugetlb profile). */
    readonly pageLog2: number = PAGE_SHIFT,
  ) {
    super(0); // The descriptor and every mapping take their own reference.
    this.pageCount = Number(size / BigInt(PAGE_SIZE));
    this.pageState = new RangeMap(this.pageCount, PageState.Hole);
    this.attributes = new RangeMap(this.pageCount, startsShared ? SHARED : PRIVATE);
    vm.get(); // The file keeps its VM alive.
    liveModelObjects.inodes++;
  }

  /** The last reference is gone: unbind (the slots stay, without a file), free the pages, let the VM go. */
  protected release(): void {
    for (const slot of this.boundSlots.values()) {
      if (slot.gmem) slot.gmem.inode = null; // The slot stays; guest accesses now fail.
    }
    this.boundSlots.clear();
    this.contents.clear();
    this.pins.detach(0, this.pageCount);
    liveModelObjects.inodes--;
    this.vm.put();
  }

  /** The file's shared memory policy (7.x's guest_memfd set_policy), made on the first mbind. */
  sharedPolicy(): PolicyRanges {
    return (this.policy ??= new PolicyRanges());
  }

  /**
   * The NUMA node of a page that holds memory: where the file's policy placed it when it was
   * allocated (UNKNOWN_NODE for an interleaved one), else the local node.
   */
  pageNode(page: number): number {
    return this.placed?.at(page) ?? placementNode(null, this.vm.profile);
  }

  /** Record where the holes of [start, end) go as they are allocated now, under the file's policy. */
  private place(start: number, end: number): void {
    const policy = this.policy!;
    const placed = (this.placed ??= new SparseRanges<number>((a, b) => a === b));
    for (const hole of [...this.pageState.ranges(start, end)]) {
      if (hole.value !== PageState.Hole) continue;
      for (const piece of policy.pieces(hole.start, hole.end)) {
        const node = placementNode(piece.value, this.vm.profile);
        placed.set(piece.start, piece.end, node === placementNode(null, this.vm.profile) ? null : node);
      }
    }
  }

  /** Whether any page of [start, end) (clipped to the file) holds memory. */
  anyPageIn(start: number, end: number): boolean {
    const to = Math.min(end, this.pageCount);
    return start < to && this.pageState.findFirst(start, to, (v) => v !== PageState.Hole) >= 0;
  }

  /** The host fault rule (kvm_gmem_fault_user_mapping): past the end, or private, is a SIGBUS. */
  hostFault(page: number): HostFaultVerdict {
    if (page >= this.pageCount) return 'past-eof';
    if (this.isPrivate(page)) return 'private';
    return null;
  }

  isPrivate(page: number): boolean {
    return this.attributes.get(page) !== SHARED;
  }

  /**
   * The first page of [start, end) a host touch would fault on, with why; null when none would.
   * A range query (the end of the file, then the first private page), not a walk over pages.
   */
  firstHostFault(start: number, end: number): { page: number; verdict: 'past-eof' | 'private' } | null {
    const inFile = Math.min(end, this.pageCount);
    const privatePage = start < inFile ? this.attributes.findFirst(start, inFile, (v) => v !== SHARED) : -1;
    if (privatePage >= 0) return { page: privatePage, verdict: 'private' };
    if (end > this.pageCount) return { page: Math.max(start, this.pageCount), verdict: 'past-eof' };
    return null;
  }

  /** First use of a page (host or guest fault): allocate it if needed and zero it once. */
  faultIn(page: number): void {
    this.faultInRange(page, page + 1);
  }

  /** faultIn for every page of [start, end), at the cost of the state's fragments there. */
  faultInRange(start: number, end: number): void {
    if (start >= end) return;
    // Most touches are of pages already in use: one range query, and nothing to change.
    if (this.pageState.findFirst(start, end, notUptodate) < 0) return;
    if (this.policy !== undefined) this.place(start, end);
    for (const piece of [...this.pageState.ranges(start, end)]) {
      if (piece.value !== PageState.Uptodate) this.contents.drop(piece.start, piece.end);
    }
    this.pageState.set(start, end, PageState.Uptodate);
  }

  /** fallocate allocate: holes become allocated pages; pages in use are left as they are. */
  allocate(startPage: number, endPage: number): void {
    if (this.policy !== undefined) this.place(startPage, Math.min(endPage, this.pageCount));
    this.pageState.update(startPage, endPage, holeToAllocated);
  }

  mappedBy(ptes: HostPtes): void {
    this.mappings.add(ptes);
  }

  unmappedBy(ptes: HostPtes): void {
    this.mappings.delete(ptes);
  }

  /** unmap_mapping_pages: no host mapping keeps a page table entry for file pages [start, end). */
  zapMappings(start: number, end: number): void {
    for (const ptes of this.mappings) ptes.zapFilePages(start, end);
  }

  /**
   * fallocate punch: the pages are freed (the part past the end of the file is ignored), and
   * truncating them from the page cache unmaps them from every host mapping.
   */
  punch(startPage: number, endPage: number): void {
    const end = Math.min(endPage, this.pageCount);
    if (startPage >= end) return;
    this.zapMappings(startPage, end);
    this.pageState.set(startPage, end, PageState.Hole);
    this.placed?.set(startPage, end, null);
    this.contents.drop(startPage, end);
    this.pins.detach(startPage, end); // Pinned pages leave the file; the pins keep the old pages.
  }

  /** Is any page of [start, end) bound to a memslot? */
  isBound(startPage: number, endPage: number): boolean {
    // A file never bound has no map yet, and asking must not make one.
    return this.bindings !== undefined && this.bindings.findFirst(startPage, endPage, (v) => v !== 0) >= 0;
  }

  bind(slot: BoundSlot, startPage: number): void {
    this.bindingMap().set(startPage, startPage + slot.npages, slot.key + 1);
    this.boundSlots.set(slot.key, slot);
  }

  unbind(slot: BoundSlot): void {
    if (!this.boundSlots.delete(slot.key) || !slot.gmem) return;
    this.bindingMap().set(slot.gmem.pgoff, slot.gmem.pgoff + slot.npages, 0);
  }

  private bindingMap(): RangeMap {
    return (this.bindings ??= new RangeMap(this.pageCount, 0));
  }

  /** 4 KiB pages per (huge) page of this file: 1 for ordinary files. */
  get pagesPerHugePage(): number {
    return 2 ** (this.pageLog2 - PAGE_SHIFT);
  }

  /**
   * A huge page is mapped whole only while all of it is private; a conversion of part of it to
   * shared splits it, and it merges back once all of it is private again. Derived from the
   * attributes: no state of its own to keep in step.
   */
  isHugePageWhole(page: number): boolean {
    const n = this.pagesPerHugePage;
    if (n === 1) return false;
    const start = Math.floor(page / n) * n;
    return this.attributes.findFirst(start, start + n, (v) => v === SHARED) < 0;
  }

  /** Which slot binds each page: fragments whose value is the slot's key + 1 (0: unbound). */
  bindingRanges(): IterableIterator<Fragment> {
    return this.bindings ? this.bindings.ranges() : [{ start: 0, end: this.pageCount, value: 0 }].values();
  }

  /** How many memslots bind this file. */
  get bindingCount(): number {
    return this.boundSlots.size;
  }
}
