/**
 * The kernel-side state of one VM (struct kvm): memslots, VM-wide memory attributes, and the
 * reference count that keeps it alive while its fd or any of its guest_memfd files is open.
 */
import { RangeMap, type Fragment } from './rangeMap.js';
import type { GmemInode } from './guestMemfd/inode.js';
import { hasPrivateMem, type Profile } from './profile.js';
import { PAGE_SHIFT } from '../uapi/memory.js';
import { RefCounted } from './refCounted.js';
import { liveModelObjects } from './stats.js';
import type { KvmErrorCode } from '../errors.js';

export interface GmemBinding {
  /** The bound file; null once the file was released (the slot lives on without it). */
  inode: GmemInode | null;
  /** The first file page the slot maps. */
  readonly pgoff: number;
  /** The file could be mapped when bound: every guest access, shared or private, is served from it. */
  readonly gmemOnly: boolean;
}

export interface Memslot {
  /** as_id << 16 | id, the value userspace passes as `slot`. */
  readonly key: number;
  readonly asId: number;
  readonly id: number;
  baseGfn: number;
  readonly npages: number;
  flags: number;
  readonly userspaceAddr: bigint;
  /** Set for KVM_MEM_GUEST_MEMFD slots. */
  readonly gmem: GmemBinding | null;
}

/** Guest frame numbers span a 64-bit address space of 4 KiB pages. */
const GFN_SPACE = 2 ** (64 - PAGE_SHIFT);

export class VmState extends RefCounted {
  readonly slots = new Map<number, Memslot>();
  readonly hasPrivateMem: boolean;
  /** Sum of pages over all slots (the kernel keeps it to refuse an overflowing total). */
  nrMemslotPages = 0n;
  private attributes: RangeMap | null = null;
  /** One-shot failures a test asked for, by operation (the model's fault injection). */
  private readonly injected = new Map<string, KvmErrorCode>();

  constructor(readonly profile: Profile, readonly type: number) {
    super(1); // The VM fd.
    liveModelObjects.vms++;
    this.hasPrivateMem = hasPrivateMem(profile, type);
  }

  get destroyed(): boolean {
    return this.released;
  }

  /**
   * The last reference is gone: destroy the VM and free its memslots. (No file is bound by then:
   * every file holds a reference on its VM, so the VM goes only after all of them.)
   */
  protected release(): void {
    liveModelObjects.vms--;
    this.slots.clear();
    this.attributes = null;
  }

  /** The VM-wide attributes of a guest frame (0 when never set). */
  attributeOf(gfn: number): number {
    return this.attributes?.get(gfn) ?? 0;
  }

  /** The VM-wide attributes of [startGfn, endGfn) as fragments. */
  attributeRanges(startGfn: number, endGfn: number): Fragment[] {
    return this.attributes ? [...this.attributes.ranges(startGfn, endGfn)] : [{ start: startGfn, end: endGfn, value: 0 }];
  }

  setAttributes(startGfn: number, endGfn: number, value: number): void {
    if (!this.attributes) {
      if (value === 0) return;
      this.attributes = new RangeMap(GFN_SPACE, 0);
    }
    this.attributes.set(startGfn, endGfn, value);
  }

  /** Make the next `operation` that reaches its allocation step fail with `code` (ENOMEM, say). */
  injectFault(operation: string, code: KvmErrorCode): void {
    this.injected.set(operation, code);
  }

  /** The injected failure for `operation`, consumed; undefined when none is pending. */
  takeInjectedFault(operation: string): KvmErrorCode | undefined {
    const code = this.injected.get(operation);
    this.injected.delete(operation);
    return code;
  }

  /** The address-space-0 slot containing a guest frame, if any. */
  slotForGfn(gfn: number): Memslot | undefined {
    for (const slot of this.slots.values()) {
      if (slot.asId === 0 && gfn >= slot.baseGfn && gfn < slot.baseGfn + slot.npages) return slot;
    }
    return undefined;
  }
}
