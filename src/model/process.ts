/**
 * The model's stand-in for one process: its file descriptor table and its address space.
 * Every model Kvm has its own, so descriptor numbers behave as in a fresh process (lowest free
 * number first) and a raw descriptor number can be resolved the way the kernel resolves it.
 */
import { hex } from './fail.js';
import type { GmemInode } from './guestMemfd/inode.js';

/** What a descriptor refers to. `put` drops the descriptor's reference when it is closed. */
export interface OpenFile {
  readonly kind: 'stdio' | 'kvm' | 'vm' | 'guest_memfd' | 'memfd';
  /** For a guest_memfd: its inode. */
  readonly inode?: GmemInode;
  put(): void;
}

/** A region of the address space, with what occupies it. */
export interface AddressRange<T> {
  readonly start: bigint;
  readonly length: bigint;
  readonly owner: T;
}

/** Standard input, output and error: open in every process, so descriptors 0-2 are taken. */
const STDIO: OpenFile = { kind: 'stdio', put: () => {} };
const MMAP_FLOOR = 1n << 32n; // Leave low memory alone, as a real process would.
const STACK_GAP = 1n << 30n; // Mappings start below the stack, as Linux's mmap_base does.

/** What a collected process still holds: its open files, and the reference each mapping holds. */
interface Leftovers {
  readonly fds: Map<number, OpenFile>;
  readonly mappingPuts: Map<bigint, () => void>;
}

/**
 * A model process that nobody can reach any more exits, as a real one does: its descriptors
 * are closed and its mappings dropped, so the files and VMs they held are released and
 * modelStats() counts only what is alive. (The handles of a model Kvm need no net of their own.)
 */
const exited = new FinalizationRegistry<Leftovers>(({ fds, mappingPuts }) => {
  for (const file of fds.values()) file.put();
  for (const put of mappingPuts.values()) put();
});

export class ModelProcess<M = unknown> {
  private readonly fds = new Map<number, OpenFile>();
  /** Mappings sorted by start address. */
  private readonly mappings: AddressRange<M>[] = [];
  /** What each mapping holds (its file), by start: dropped if the process is collected. */
  private readonly mappingPuts = new Map<bigint, () => void>();
  /** Every descriptor below this one is open: lowest-free allocation need not start at 0. */
  private lowestFreeFd = 0;
  /** The top of the mmap area: mappings go top-down below it, as Linux's mmap_base. */
  private readonly mmapTop: bigint;
  /**
   * A free-area cache, as Linux's top-down allocator once had: every gap above `searchTop` is at
   * most `holeAboveSearchTop` bytes, so a longer request can start its search at `searchTop` and
   * still find the highest gap that fits. Without it, a process with n mappings paid O(n) per
   * mmap (10,000 leaked mappings: 40% of the time in the search).
   */
  private searchTop: bigint;
  private holeAboveSearchTop = 0n;
  /** The last answer of findRoom, and the largest gap its search passed over above it. */
  private lastFound: { address: bigint; skipped: bigint } | undefined;

  constructor(private readonly userAddressMax: bigint, private readonly pageSize: bigint) {
    for (let fd = 0; fd < 3; fd++) this.fds.set(fd, STDIO);
    this.mmapTop = ((this.userAddressMax + 1n) / this.pageSize) * this.pageSize - STACK_GAP;
    this.searchTop = this.mmapTop;
    // The held value must not reach the process: the files and the puts do not.
    exited.register(this, { fds: this.fds, mappingPuts: this.mappingPuts });
  }

  install(file: OpenFile): number {
    let fd = this.lowestFreeFd;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    this.lowestFreeFd = fd + 1;
    return fd;
  }

  lookup(fd: number): OpenFile | undefined {
    return this.fds.get(fd);
  }

  /** close(2): drop the descriptor and its reference. Returns false if it was not open. */
  close(fd: number): boolean {
    const file = this.fds.get(fd);
    if (!file) return false;
    this.fds.delete(fd);
    if (fd < this.lowestFreeFd) this.lowestFreeFd = fd;
    file.put();
    return true;
  }

  get openDescriptors(): number {
    return this.fds.size;
  }

  /** Where `length` bytes would go, top-down as Linux's mmap places them; undefined when there is no room. */
  findRoom(length: bigint): bigint | undefined {
    const fromCache = length > this.holeAboveSearchTop;
    let top = fromCache ? this.searchTop : this.mmapTop;
    let skipped = fromCache ? this.holeAboveSearchTop : 0n;
    for (let i = this.countBelow(top) - 1; i >= -1; i--) {
      const below = i >= 0 ? this.mappings[i]! : undefined;
      const floor = below ? below.start + below.length : MMAP_FLOOR;
      const gap = top > floor ? top - floor : 0n;
      if (gap >= length) {
        this.lastFound = { address: top - length, skipped };
        return top - length;
      }
      if (gap > skipped) skipped = gap;
      if (below) top = below.start;
    }
    return undefined;
  }

  /**
   * Occupy [start, start + length), which findRoom returned. `put` drops what the mapping holds
   * (its file's reference); it must not reach the process.
   */
  occupy(start: bigint, length: bigint, owner: M, put: () => void): void {
    this.mappings.splice(this.countBelow(start), 0, { start, length, owner });
    this.mappingPuts.set(start, put);
    if (this.lastFound?.address === start) {
      this.searchTop = start;
      this.holeAboveSearchTop = this.lastFound.skipped;
    } else {
      this.searchTop = this.mmapTop;
      this.holeAboveSearchTop = 0n;
    }
    this.lastFound = undefined;
  }

  /** munmap: the range is free again, and what the mapping held is dropped. */
  release(start: bigint): void {
    const i = this.countBelow(start);
    const m = this.mappings[i];
    if (m === undefined || m.start !== start) throw new Error(`model bug: no mapping at ${hex(start)}`);
    this.mappings.splice(i, 1);
    // The gap the release opens (merged with its neighbours) may lie above the search start.
    const gapEnd = i < this.mappings.length ? this.mappings[i]!.start : this.mmapTop;
    if (gapEnd > this.searchTop) {
      const gapStart = i > 0 ? this.mappings[i - 1]!.start + this.mappings[i - 1]!.length : MMAP_FLOOR;
      if (gapEnd - gapStart > this.holeAboveSearchTop) this.holeAboveSearchTop = gapEnd - gapStart;
    }
    const put = this.mappingPuts.get(start)!;
    this.mappingPuts.delete(start);
    put();
  }

  /** How many mappings start below `address` (binary search: mappings are sorted by start). */
  private countBelow(address: bigint): number {
    let lo = 0;
    let hi = this.mappings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.mappings[mid]!.start < address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The mapping that contains `address`, with the offset of `address` inside it. */
  resolve(address: bigint): { owner: M; offset: bigint } | undefined {
    let lo = 0;
    let hi = this.mappings.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.mappings[mid]!;
      if (address < m.start) hi = mid - 1;
      else if (address >= m.start + m.length) lo = mid + 1;
      else return { owner: m.owner, offset: address - m.start };
    }
    return undefined;
  }

  get mappingCount(): number {
    return this.mappings.length;
  }
}
