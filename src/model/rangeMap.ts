/**
 * RangeMap: a total map from every integer index in [0, size) to an int32,
 * stored as maximal runs ("fragments") of equal value.
 *
 * Representation: the start key of every fragment and its value, kept as a
 * sorted sequence of breakpoints. Fragment i covers [key_i, key_{i+1}) (the
 * last one ends at `size`); key 0 is always present; adjacent fragments never
 * hold equal values, so the representation is canonical (fragment count ==
 * number of maximal runs).
 *
 * The sequence is cut into blocks of at most `cap` breakpoints. All blocks live
 * in one slab: keys in a Float64Array (indices reach 2^53, beyond any integer
 * typed array) and values in an Int32Array, block slot s at [s*cap, (s+1)*cap).
 * Per block, in key order, `firsts` holds its first key (binary-searched to
 * find the block), `slotOf` its slab slot and `counts` its size. So there are
 * no per-fragment or per-block JS objects (memory, and a lookup touches no
 * object headers, only typed-array data), and an update memmoves one block's
 * tail instead of the whole map.
 */

/** One fragment, or a piece of one clipped to a query range: [start, end) all hold `value`. */
export interface Fragment {
  start: number;
  end: number;
  value: number;
}

/** Construction options; they exist so tests can force block splits/merges with few fragments. */
export interface RangeMapOptions {
  /** Breakpoints per block; small values make splits and merges frequent. */
  blockCapacity?: number;
}

/** Default breakpoints per block, picked with the benchmark: 64..512 measure alike; bigger blocks search a little faster, smaller ones memmove less per update. */
export const DEFAULT_BLOCK_CAPACITY = 256;
/** Smallest capacity allowed: a set inserts up to 2 breakpoints and the fill rules need a few slots. */
export const MIN_BLOCK_CAPACITY = 4;
/** Largest capacity allowed: beyond this the per-update memmove dominates and nothing is gained. */
export const MAX_BLOCK_CAPACITY = 1 << 16;

/** Slab slots (blocks) allocated up front; tiny maps stay tiny. */
const INITIAL_SLOTS = 1;
/**
 * Breakpoints the first slab holds before it widens to a whole block: most maps (three per
 * guest_memfd) keep a few fragments all their life, and 8 doubles (64 bytes) is what V8 still
 * allocates on its heap; a whole block's slab is an off-heap buffer costing a microsecond or more.
 */
const NARROW_SLAB = 8;

/**
 * The entry buffers set() and a one-piece update() hand to assign() (1 piece + room for the value
 * restored at `end`), shared by every map: a map of its own cost two typed arrays per map, six
 * per guest_memfd created. Sharing is safe because they are written only right before assign(),
 * which calls out to nothing (update's fn has returned by then).
 */
const ONE_KEY = new Float64Array(2);
const ONE_VAL = new Int32Array(2);

function describe(x: unknown): string {
  return typeof x === 'number' ? String(x) : `${typeof x} ${String(x)}`;
}

/** Throws unless v is an int32 number; TypeError for non-numbers so callers can tell misuse from bad data. */
function checkValue(v: unknown, what: string): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describe(v)}`);
  if ((v | 0) !== v) throw new RangeError(`${what} must be an int32, got ${v}`);
}

/** A walk over the breakpoints: block b, absolute slot i, the block's slot limit, the map version it is valid for. */
interface Walk {
  b: number;
  i: number;
  lim: number;
  ver: number;
}

export class RangeMap {
  readonly size: number;
  /** Breakpoint capacity of every block. */
  private readonly cap: number;
  /** When there is more than one block, each holds at least this many breakpoints (bounds memory per fragment). */
  private readonly minFill: number;

  /** Slab of keys/values; slot s holds a block at [s*cap, s*cap + counts[b]). */
  private keys: Float64Array;
  private vals: Int32Array;
  /** Stack of unused slab slots (freeSlots[0..freeTop)). */
  private freeSlots: Int32Array;
  private freeTop = 0;

  /** Number of blocks in use; the arrays below are indexed by block position b in key order. */
  private nb = 0;
  /** firsts[b] === keys[slotOf[b]*cap]: each block's first key. */
  private firsts: Float64Array;
  private slotOf: Int32Array;
  private counts: Int32Array;

  private count = 0;
  /** Bumped on every mutation so iterators can notice and re-locate instead of reading stale positions. */
  private version = 0;
  /** Reused buffers for the rare block-rebuild path, so a set never allocates in the common case. */
  private scratchKeys: Float64Array | null = null;
  private scratchVals: Int32Array | null = null;

  /** Every index in [0, size) starts at `initial`; `options` (extra to the spec) only tunes block size, for tests. */
  constructor(size: number, initial = 0, options: RangeMapOptions = {}) {
    if (typeof size !== 'number') throw new TypeError(`size must be a number, got ${describe(size)}`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative safe integer, got ${size}`);
    checkValue(initial, 'initial value');
    const cap = options.blockCapacity ?? DEFAULT_BLOCK_CAPACITY;
    if (typeof cap !== 'number') throw new TypeError(`blockCapacity must be a number, got ${describe(cap)}`);
    if (!Number.isInteger(cap) || cap < MIN_BLOCK_CAPACITY || cap > MAX_BLOCK_CAPACITY) {
      throw new RangeError(`blockCapacity must be an integer in [${MIN_BLOCK_CAPACITY}, ${MAX_BLOCK_CAPACITY}], got ${cap}`);
    }
    this.size = size;
    this.cap = cap;
    this.minFill = cap >> 2;
    // Narrow until the first block outgrows it (widen()): slot 0 only, at most NARROW_SLAB breakpoints.
    const first = Math.min(cap, NARROW_SLAB);
    this.keys = new Float64Array(first);
    this.vals = new Int32Array(first);
    this.freeSlots = new Int32Array(INITIAL_SLOTS);
    for (let s = INITIAL_SLOTS - 1; s >= 0; s--) this.freeSlots[this.freeTop++] = s;
    this.firsts = new Float64Array(INITIAL_SLOTS);
    this.slotOf = new Int32Array(INITIAL_SLOTS);
    this.counts = new Int32Array(INITIAL_SLOTS);
    // An empty index space has no fragments at all (key 0 would be out of range).
    if (size > 0) {
      this.insertBlocks(0, 1);
      const base = this.slotOf[0]! * cap;
      this.keys[base] = 0;
      this.vals[base] = initial;
      this.counts[0] = 1;
      this.firsts[0] = 0;
      this.count = 1;
    }
  }

  /** Number of maximal runs of equal value (stored breakpoints); 0 only for size 0. */
  get fragmentCount(): number {
    return this.count;
  }

  /** Value at index; RangeError unless index is an integer in [0, size). */
  get(index: number): number {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) this.badIndex(index, 'index');
    const b = this.blockOf(index);
    const base = this.slotOf[b]! * this.cap;
    return this.vals[this.upperBound(base, base + this.counts[b]!, index) - 1]!;
  }

  /** Assign value to [start, end), merging with equal neighbours; all arguments are checked before any change. */
  set(start: number, end: number, value: number): void {
    this.checkRange(start, end);
    checkValue(value, 'value');
    if (start === end) return;
    ONE_KEY[0] = start;
    ONE_VAL[0] = value;
    this.assign(start, end, ONE_KEY, ONE_VAL, 1);
  }

  /**
   * Replace each fragment piece's value v in [start, end) by fn(v): fn runs once per piece, in order,
   * before anything changes; if it throws or returns a non-int32, the map is left untouched.
   */
  update(start: number, end: number, fn: (old: number) => number): void {
    this.checkRange(start, end);
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${describe(fn)}`);
    if (start === end) return;
    // Read the pieces first and call fn only afterwards: fn may throw or return garbage,
    // and nothing may change until every new value is known to be valid.
    const K = this.keys;
    const V = this.vals;
    let b = this.blockOf(start);
    let base = this.slotOf[b]! * this.cap;
    let lim = base + this.counts[b]!;
    let i = this.upperBound(base, lim, start) - 1;
    // One piece, the common case (a page inside one fragment): no arrays to gather pieces in
    // (they were most of what allocating a page allocated), and the buffers set() reuses, written
    // only after fn has returned.
    const next = i + 1 < lim ? K[i + 1]! : b + 1 < this.nb ? this.firsts[b + 1]! : this.size;
    if (next >= end) {
      const nv = fn(V[i]!);
      checkValue(nv, 'update result');
      ONE_KEY[0] = start;
      ONE_VAL[0] = nv;
      this.assign(start, end, ONE_KEY, ONE_VAL, 1);
      return;
    }
    const starts: number[] = [];
    const olds: number[] = [];
    let pos = start;
    for (;;) {
      starts.push(pos);
      olds.push(V[i]!);
      if (++i === lim) {
        if (++b === this.nb) break;
        base = this.slotOf[b]! * this.cap;
        lim = base + this.counts[b]!;
        i = base;
      }
      pos = K[i]!;
      if (pos >= end) break;
    }
    const m = starts.length;
    // +1: room for the value restored at `end`.
    const keys = new Float64Array(m + 1);
    const vals = new Int32Array(m + 1);
    for (let j = 0; j < m; j++) {
      const nv = fn(olds[j]!);
      checkValue(nv, 'update result');
      keys[j] = starts[j]!;
      vals[j] = nv;
    }
    this.assign(start, end, keys, vals, m);
  }

  /**
   * Fragments clipped to [start, end), in order. If the map is mutated between yields, iteration
   * continues from where it stopped over the new contents.
   */
  ranges(start = 0, end = this.size): IterableIterator<Fragment> {
    // Validate now: a generator body would only run (and throw) on the first next().
    this.checkRange(start, end);
    return this.rangesFrom(start, end);
  }

  /** First index in [start, end) whose value satisfies pred (called once per fragment visited), or -1. */
  findFirst(start: number, end: number, pred: (value: number) => boolean): number {
    this.checkRange(start, end);
    if (typeof pred !== 'function') throw new TypeError(`pred must be a function, got ${describe(pred)}`);
    const w: Walk = { b: 0, i: 0, lim: 0, ver: -1 };
    let pos = start;
    while (pos < end) {
      // (Re)locate: first time, or pred mutated the map and our position is stale.
      if (w.ver !== this.version) this.locate(pos, w);
      if (pred(this.vals[w.i]!)) return pos;
      if (w.ver !== this.version) {
        // pred mutated the map: resume at the fragment boundary following pos in the new state.
        pos = this.fragmentAt(pos).end;
        continue;
      }
      pos = this.step(w);
    }
    return -1;
  }

  /** The whole (unclipped) fragment containing index. */
  fragmentAt(index: number): Fragment {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) this.badIndex(index, 'index');
    const b = this.blockOf(index);
    const base = this.slotOf[b]! * this.cap;
    const lim = base + this.counts[b]!;
    const i = this.upperBound(base, lim, index) - 1;
    let end: number;
    if (i + 1 < lim) end = this.keys[i + 1]!;
    else if (b + 1 < this.nb) end = this.firsts[b + 1]!;
    else end = this.size;
    return { start: this.keys[i]!, end, value: this.vals[i]! };
  }

  /** Bytes held by this map's typed arrays, counting capacity (all of its storage is in them). */
  memoryBytes(): number {
    return (
      this.keys.byteLength +
      this.vals.byteLength +
      this.freeSlots.byteLength +
      this.firsts.byteLength +
      this.slotOf.byteLength +
      this.counts.byteLength +
      (this.scratchKeys?.byteLength ?? 0) +
      (this.scratchVals?.byteLength ?? 0)
    );
  }

  /** Throws if the representation is not canonical or the block/slab bookkeeping is inconsistent (for tests). */
  checkInvariants(): void {
    const fail = (msg: string): never => {
      throw new Error(`RangeMap invariant violated: ${msg}`);
    };
    const nb = this.nb;
    const cap = this.cap;
    const narrow = this.keys.length < cap;
    const slots = narrow ? 1 : this.keys.length / cap;
    if (narrow && (this.nb > 1 || this.count > this.keys.length)) fail(`a narrow slab of ${this.keys.length} holds ${this.nb} blocks, ${this.count} breakpoints`);
    if (!Number.isInteger(slots) || this.vals.length !== this.keys.length) fail(`slab sizes ${this.keys.length}/${this.vals.length} not whole blocks of ${cap}`);
    if (this.firsts.length < nb || this.slotOf.length < nb || this.counts.length < nb) fail(`per-block arrays shorter than ${nb} blocks`);
    if (this.freeSlots.length < slots || this.freeTop < 0 || this.freeTop > this.freeSlots.length) fail(`free-slot stack size ${this.freeTop}/${this.freeSlots.length} for ${slots} slots`);
    // Every slab slot is used by exactly one block or is free, never both.
    const owner = new Int8Array(slots);
    for (let b = 0; b < nb; b++) {
      const s = this.slotOf[b]!;
      if (!(s >= 0 && s < slots) || owner[s] !== 0) fail(`block ${b} has bad or shared slot ${s}`);
      owner[s] = 1;
    }
    for (let f = 0; f < this.freeTop; f++) {
      const s = this.freeSlots[f]!;
      if (!(s >= 0 && s < slots) || owner[s] !== 0) fail(`free slot ${s} is out of range, in use or listed twice`);
      owner[s] = 2;
    }
    if (nb + this.freeTop !== slots) fail(`${nb} used + ${this.freeTop} free slots != ${slots} slots`);
    if (this.size === 0) {
      if (nb !== 0 || this.count !== 0) fail(`empty map has ${nb} blocks / ${this.count} fragments`);
      return;
    }
    if (nb === 0) fail('no blocks');
    let total = 0;
    let prevKey = -1;
    let prevVal = 0;
    for (let b = 0; b < nb; b++) {
      const n = this.counts[b]!;
      const base = this.slotOf[b]! * cap;
      if (!(n >= 1 && n <= cap)) fail(`block ${b} holds ${n} (cap ${cap})`);
      if (nb > 1 && n < this.minFill) fail(`block ${b} holds ${n} < min fill ${this.minFill}`);
      if (this.firsts[b] !== this.keys[base]) fail(`firsts[${b}]=${this.firsts[b]} but block starts at ${this.keys[base]}`);
      for (let i = base; i < base + n; i++) {
        const k = this.keys[i]!;
        const v = this.vals[i]!;
        if (total === 0) {
          if (k !== 0) fail(`first key is ${k}, not 0`);
        } else {
          if (!(k > prevKey)) fail(`keys not strictly increasing: ${prevKey} then ${k} (block ${b})`);
          if (v === prevVal) fail(`adjacent fragments at ${prevKey} and ${k} both hold ${v}`);
        }
        if (!Number.isInteger(k) || k >= this.size) fail(`key ${k} not an integer below size ${this.size}`);
        prevKey = k;
        prevVal = v;
        total++;
      }
    }
    if (total !== this.count) fail(`fragment count ${this.count} but ${total} breakpoints stored`);
  }

  // ---- internals ----------------------------------------------------------

  private *rangesFrom(start: number, end: number): Generator<Fragment, void, undefined> {
    const w: Walk = { b: 0, i: 0, lim: 0, ver: -1 };
    let pos = start;
    while (pos < end) {
      // (Re)locate: first time, or the consumer mutated the map between yields.
      if (w.ver !== this.version) this.locate(pos, w);
      const value = this.vals[w.i]!;
      const next = this.step(w);
      const fragEnd = next < end ? next : end;
      yield { start: pos, end: fragEnd, value };
      pos = fragEnd;
    }
  }

  /** Point the walk at the breakpoint that starts the fragment holding pos. */
  private locate(pos: number, w: Walk): void {
    w.b = this.blockOf(pos);
    const base = this.slotOf[w.b]! * this.cap;
    w.lim = base + this.counts[w.b]!;
    w.i = this.upperBound(base, w.lim, pos) - 1;
    w.ver = this.version;
  }

  /** Move the walk to the next breakpoint; its key, or the map's size when there is none. */
  private step(w: Walk): number {
    if (++w.i < w.lim) return this.keys[w.i]!;
    if (++w.b >= this.nb) return this.size;
    w.i = this.slotOf[w.b]! * this.cap;
    w.lim = w.i + this.counts[w.b]!;
    return this.keys[w.i]!;
  }

  private badIndex(index: unknown, what: string): never {
    if (typeof index !== 'number') throw new TypeError(`${what} must be a number, got ${describe(index)}`);
    throw new RangeError(`${what} ${index} is not an integer in [0, ${this.size})`);
  }

  private checkRange(start: unknown, end: unknown): void {
    if (typeof start !== 'number') throw new TypeError(`start must be a number, got ${describe(start)}`);
    if (typeof end !== 'number') throw new TypeError(`end must be a number, got ${describe(end)}`);
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= this.size)) {
      throw new RangeError(`range [${start}, ${end}) is not within [0, ${this.size}] with integer start <= end`);
    }
  }

  /** Position of the last block whose first key is <= key (key >= 0 and a block exists). */
  private blockOf(key: number): number {
    const f = this.firsts;
    let lo = 0;
    let hi = this.nb - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (f[mid]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** First slab index in [lo, hi) whose key is > key (keys sorted there). */
  private upperBound(lo: number, hi: number, key: number): number {
    const K = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (K[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First slab index in [lo, hi) whose key is >= key (keys sorted there). */
  private lowerBound(lo: number, hi: number, key: number): number {
    const K = this.keys;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (K[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Make [start, end) (start < end) hold the pieces (keys[i], vals[i]) for i < m,
   * where keys[0] === start and keys increase below end; keys/vals need room for m+1.
   * The pieces are canonicalised against the neighbours in place, then spliced in.
   */
  private assign(start: number, end: number, keys: Float64Array, vals: Int32Array, m: number): void {
    const cap = this.cap;
    const bs = this.blockOf(start);
    const baseS = this.slotOf[bs]! * cap;
    // Breakpoints with key in [start, end] are replaced: offsets [os in block bs, oe in block be).
    const os = this.lowerBound(baseS, baseS + this.counts[bs]!, start) - baseS;
    let be = bs;
    if (bs + 1 < this.nb && this.firsts[bs + 1]! <= end) be = this.blockOf(end);
    const baseE = this.slotOf[be]! * cap;
    const oe = this.upperBound(baseE, baseE + this.counts[be]!, end) - baseE;
    // Value in force at `end` before the change; it must resume there.
    const vEnd = this.vals[baseE + oe - 1]!;
    let k = 0;
    let prev = 0;
    let hasPrev = false;
    if (start > 0) {
      // os === 0 implies bs > 0: block 0 starts at key 0 < start.
      prev = os > 0 ? this.vals[baseS + os - 1]! : this.vals[this.slotOf[bs - 1]! * cap + this.counts[bs - 1]! - 1]!;
      hasPrev = true;
    }
    for (let i = 0; i < m; i++) {
      const v = vals[i]!;
      if (hasPrev && v === prev) continue; // merges with the run before it
      keys[k] = keys[i]!;
      vals[k] = v;
      k++;
      prev = v;
      hasPrev = true;
    }
    if (end < this.size && vEnd !== prev) {
      keys[k] = end;
      vals[k] = vEnd;
      k++;
    }
    this.splice(bs, os, be, oe, keys, vals, k);
    this.maybeShrink();
  }

  /** Replace the breakpoints from offset os of block bs up to (not including) offset oe of block be by the k given ones. */
  private splice(bs: number, os: number, be: number, oe: number, keys: Float64Array, vals: Int32Array, k: number): void {
    this.version++;
    if (bs < be && os === this.counts[bs]!) {
      // Deletion starts at the next block; inserting at its front keeps this a single-block edit more often.
      bs++;
      os = 0;
    }
    if (bs === be) {
      const n = this.counts[bs]!;
      const del = oe - os;
      const nn = n - del + k;
      if (nn <= this.cap) {
        // Common case: one block, memmove its tail only.
        if (nn > this.keys.length) this.widen(); // (only a narrow slab is shorter than a block)
        const base = this.slotOf[bs]! * this.cap;
        const K = this.keys;
        const V = this.vals;
        if (del !== k && oe < n) {
          K.copyWithin(base + os + k, base + oe, base + n);
          V.copyWithin(base + os + k, base + oe, base + n);
        }
        for (let i = 0; i < k; i++) {
          K[base + os + i] = keys[i]!;
          V[base + os + i] = vals[i]!;
        }
        this.counts[bs] = nn;
        this.count += k - del;
        if (nn > 0) this.firsts[bs] = K[base]!;
        if (nn < this.minFill) this.fixUnderflow(bs);
        return;
      }
    }
    this.rebuild(bs, os, be, oe, keys, vals, k);
  }

  /**
   * Slow path of splice (edit spans blocks, or the block overflows): gather what survives of
   * blocks bs..be plus the new breakpoints, and lay them out again over as few blocks as fit.
   */
  private rebuild(bs: number, os: number, be: number, oe: number, keys: Float64Array, vals: Int32Array, k: number): void {
    this.widen(); // Blocks are laid out whole from here on.
    const cap = this.cap;
    const baseS = this.slotOf[bs]! * cap;
    const baseE = this.slotOf[be]! * cap;
    const nE = this.counts[be]!;
    const total = os + k + (nE - oe);
    let deleted: number;
    if (bs === be) deleted = oe - os;
    else {
      deleted = this.counts[bs]! - os + oe;
      for (let b = bs + 1; b < be; b++) deleted += this.counts[b]!;
    }
    this.count += k - deleted;
    // Large updates may exceed the retained scratch; use a temporary then rather than keep a big buffer.
    // Allocated on first use: most maps (one per file) never take this path.
    this.scratchKeys ??= new Float64Array(2 * this.cap + 2);
    this.scratchVals ??= new Int32Array(2 * this.cap + 2);
    let sk = this.scratchKeys;
    let sv = this.scratchVals;
    if (total > sk.length) {
      sk = new Float64Array(total);
      sv = new Int32Array(total);
    }
    sk.set(this.keys.subarray(baseS, baseS + os), 0);
    sv.set(this.vals.subarray(baseS, baseS + os), 0);
    sk.set(keys.subarray(0, k), os);
    sv.set(vals.subarray(0, k), os);
    sk.set(this.keys.subarray(baseE + oe, baseE + nE), os + k);
    sv.set(this.vals.subarray(baseE + oe, baseE + nE), os + k);
    const avail = be - bs + 1;
    if (total === 0) {
      // Neighbours are untouched, so they still satisfy the fill bound.
      this.removeBlocks(bs, avail);
      return;
    }
    const need = Math.ceil(total / cap);
    if (need > avail) this.insertBlocks(bs + avail, need - avail);
    else if (need < avail) this.removeBlocks(bs + need, avail - need);
    // Spread evenly: with need >= 2 every block gets > cap/2, so only a lone block can underflow.
    // (insertBlocks may have grown the slab, so read this.keys/vals only now.)
    let from = 0;
    for (let i = 0; i < need; i++) {
      const to = Math.floor((total * (i + 1)) / need);
      const b = bs + i;
      const base = this.slotOf[b]! * cap;
      this.keys.set(sk.subarray(from, to), base);
      this.vals.set(sv.subarray(from, to), base);
      this.counts[b] = to - from;
      this.firsts[b] = this.keys[base]!;
      from = to;
    }
    if (need === 1) this.fixUnderflow(bs);
  }

  /** Restore the fill bound of block b (the only one that may violate it) by merging or rebalancing with a neighbour. */
  private fixUnderflow(b: number): void {
    const nb = this.nb;
    if (nb <= 1) return;
    const n = this.counts[b]!;
    if (n >= this.minFill) return;
    if (n === 0) {
      this.removeBlocks(b, 1);
      return;
    }
    // Pair with the smaller neighbour: a merge (no later rebalancing churn) is then more likely.
    let l: number;
    if (b === 0) l = 0;
    else if (b === nb - 1) l = b - 1;
    else l = this.counts[b - 1]! <= this.counts[b + 1]! ? b - 1 : b;
    const cap = this.cap;
    const K = this.keys;
    const V = this.vals;
    const lBase = this.slotOf[l]! * cap;
    const rBase = this.slotOf[l + 1]! * cap;
    const nL = this.counts[l]!;
    const nR = this.counts[l + 1]!;
    const total = nL + nR;
    if (total <= (cap * 3) >> 2) {
      // Merge, leaving a quarter of headroom so the next insert does not split it straight away.
      K.copyWithin(lBase + nL, rBase, rBase + nR);
      V.copyWithin(lBase + nL, rBase, rBase + nR);
      this.counts[l] = total;
      this.removeBlocks(l + 1, 1);
    } else {
      // Rebalance to halves; each half is > 3cap/8 >= minFill.
      const wantL = total >> 1;
      if (nL < wantL) {
        const mv = wantL - nL;
        K.copyWithin(lBase + nL, rBase, rBase + mv);
        V.copyWithin(lBase + nL, rBase, rBase + mv);
        K.copyWithin(rBase, rBase + mv, rBase + nR);
        V.copyWithin(rBase, rBase + mv, rBase + nR);
      } else {
        const mv = nL - wantL;
        K.copyWithin(rBase + mv, rBase, rBase + nR);
        V.copyWithin(rBase + mv, rBase, rBase + nR);
        K.copyWithin(rBase, lBase + wantL, lBase + nL);
        V.copyWithin(rBase, lBase + wantL, lBase + nL);
      }
      this.counts[l] = wantL;
      this.counts[l + 1] = total - wantL;
      this.firsts[l + 1] = K[rBase]!;
    }
  }

  /** Insert cnt empty blocks at position at, each with a fresh slab slot; the caller fills them and their firsts. */
  private insertBlocks(at: number, cnt: number): void {
    const nb = this.nb;
    if (nb + cnt > this.firsts.length) {
      const len = Math.max(nb + cnt, this.firsts.length * 2);
      const f = new Float64Array(len);
      const s = new Int32Array(len);
      const c = new Int32Array(len);
      f.set(this.firsts.subarray(0, nb));
      s.set(this.slotOf.subarray(0, nb));
      c.set(this.counts.subarray(0, nb));
      this.firsts = f;
      this.slotOf = s;
      this.counts = c;
    }
    if (this.freeTop < cnt) this.growSlab(cnt - this.freeTop);
    if (at < nb) {
      // (Appending moves nothing: copyWithin is a call into the runtime even then, and every map
      // appends its first block.)
      this.firsts.copyWithin(at + cnt, at, nb);
      this.slotOf.copyWithin(at + cnt, at, nb);
      this.counts.copyWithin(at + cnt, at, nb);
    }
    for (let i = 0; i < cnt; i++) {
      this.slotOf[at + i] = this.freeSlots[--this.freeTop]!;
      this.counts[at + i] = 0;
    }
    this.nb = nb + cnt;
  }

  /** Remove cnt blocks starting at position at, returning their slots to the free stack. */
  private removeBlocks(at: number, cnt: number): void {
    const nb = this.nb;
    for (let i = 0; i < cnt; i++) this.freeSlots[this.freeTop++] = this.slotOf[at + i]!;
    this.firsts.copyWithin(at, at + cnt, nb);
    this.slotOf.copyWithin(at, at + cnt, nb);
    this.counts.copyWithin(at, at + cnt, nb);
    this.nb = nb - cnt;
  }

  /** Grow the slab by at least `extra` slots (x1.5, amortised O(1) per slot) and push the new slots as free. */
  private growSlab(extra: number): void {
    this.widen();
    const cap = this.cap;
    const slots = this.keys.length / cap;
    const grown = Math.max(slots + extra, Math.ceil(slots * 1.5), INITIAL_SLOTS);
    this.resizeSlab(grown, false);
    for (let s = grown - 1; s >= slots; s--) this.freeSlots[this.freeTop++] = s;
  }

  /**
   * Reallocate the slab with `slots` slots. With compact=true, blocks are moved to slots 0..nb-1
   * in key order (needed to shrink; it also restores sequential layout) and the rest become free.
   */
  private resizeSlab(slots: number, compact: boolean): void {
    const cap = this.cap;
    const K = new Float64Array(slots * cap);
    const V = new Int32Array(slots * cap);
    if (compact) {
      for (let b = 0; b < this.nb; b++) {
        const from = this.slotOf[b]! * cap;
        const n = this.counts[b]!;
        K.set(this.keys.subarray(from, from + n), b * cap);
        V.set(this.vals.subarray(from, from + n), b * cap);
        this.slotOf[b] = b;
      }
      this.freeTop = 0;
      this.freeSlots = new Int32Array(slots);
      for (let s = slots - 1; s >= this.nb; s--) this.freeSlots[this.freeTop++] = s;
    } else {
      K.set(this.keys);
      V.set(this.vals);
      const free = new Int32Array(slots);
      free.set(this.freeSlots.subarray(0, this.freeTop));
      this.freeSlots = free;
    }
    this.keys = K;
    this.vals = V;
  }

  /** A narrow first slab (see NARROW_SLAB) becomes one whole block's, in place of slot 0. */
  private widen(): void {
    if (this.keys.length >= this.cap) return;
    const K = new Float64Array(this.cap);
    const V = new Int32Array(this.cap);
    K.set(this.keys);
    V.set(this.vals);
    this.keys = K;
    this.vals = V;
  }

  /** After big deletions, give memory back: compact when under a quarter of the slab is used. */
  private maybeShrink(): void {
    const slots = this.keys.length / this.cap;
    if (slots > 4 * INITIAL_SLOTS && this.nb * 4 < slots) this.resizeSlab(Math.max(this.nb * 2, INITIAL_SLOTS), true);
  }
}
