/**
 * The host mappings this library made and still has mapped, per descriptor table, and the
 * memslots that cover each. A memslot may only point at memory listed here (or at 0), and a
 * mapping under a live memslot is not given back on unmap(): it is made inaccessible
 * (PROT_NONE) and stays reserved until the last slot over it is deleted, so nothing else can
 * ever be mapped under a live slot.
 */

export class MappingRecord {
  /** Live memslots over this mapping. */
  private pins = 0;
  /** Set by unmap() while pinned: the munmap that waits for the last slot to go. */
  private deferred: (() => void) | undefined;
  private live = true;

  constructor(
    private readonly table: object,
    readonly address: bigint,
    readonly length: bigint,
  ) {
    let set = LIVE.get(table);
    if (!set) LIVE.set(table, (set = new Set()));
    set.add(this);
  }

  /** Whether [start, start + length) lies inside this mapping while it is still mapped for its owner. */
  covers(start: bigint, length: bigint): boolean {
    return this.live && this.deferred === undefined && start >= this.address && start + length <= this.address + this.length;
  }

  get pinned(): boolean {
    return this.pins > 0;
  }

  pin(): void {
    this.pins++;
  }

  unpin(): void {
    if (--this.pins > 0 || !this.deferred) return;
    const munmap = this.deferred;
    this.deferred = undefined;
    this.release();
    munmap();
  }

  /** Whether unpinning `pins` times gives the mapping back (unmap() was called, and no other slot covers it). */
  freedBy(pins: number): boolean {
    return this.deferred !== undefined && this.pins === pins;
  }

  /** unmap() of a pinned mapping: munmap once the last slot over it is gone. */
  deferUntilUnpinned(munmap: () => void): void {
    this.deferred = munmap;
  }

  /** The mapping is gone for good. */
  release(): void {
    if (!this.live) return;
    this.live = false;
    LIVE.get(this.table)?.delete(this);
  }
}

/** Weak on the table: a model process that nothing references any more takes its list with it. */
const LIVE = new WeakMap<object, Set<MappingRecord>>();

/** The live mapping of this table that contains [start, start + length), if any. */
export function findMapping(table: object, start: bigint, length: bigint): MappingRecord | undefined {
  for (const record of LIVE.get(table) ?? []) if (record.covers(start, length)) return record;
  return undefined;
}
