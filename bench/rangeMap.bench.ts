/**
 * RangeMap benchmark (a script, not a test): `node --expose-gc dist/bench/rangeMap.bench.js`.
 *
 * Workload: a 2^40-page index space holding 500,000 disjoint random short ranges of value 1
 * on a 0 background (1,000,001 fragments); random lookups; random range sets of length 1..64
 * to a value in {0,1,2} aimed at the existing ranges (so they split, merge and erase fragments
 * rather than only adding new ones far away). Compared with a naive per-page Map<number, number>.
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { RangeMap } from '../src/model/rangeMap.js';

const SPACE = 2 ** 40;
const RANGES = 500_000;
const MAX_RANGE_LEN = 64;
const REPS = 5;
const LOOKUPS_PER_REP = 2_000_000;
const UPDATES_PER_REP = 200_000;
/** The naive map stores every page (~32 per range), so it runs at 1/10 scale to stay within memory and time. */
const NAIVE_SCALE = 10;
const NAIVE_LOOKUPS_PER_REP = 2_000_000;
const NAIVE_UPDATES_PER_REP = 100_000;

const TARGET_LOOKUPS = 1e6;
const TARGET_UPDATES = 3e5;
const TARGET_BYTES = 100;

// ---- deterministic PRNG (mulberry32) ----------------------------------------------

function prng(seed: number): { u32(): number; below(k: number): number } {
  let s = seed >>> 0;
  const u32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  // 53 random bits, so indices up to 2^40 are uniform.
  const below = (k: number): number => Math.floor(((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992 * k);
  return { u32, below };
}

// ---- measurement helpers ----------------------------------------------------------

function findGc(): { gc: (() => void) | undefined; how: string } {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { gc: g, how: 'global.gc (--expose-gc)' };
  try {
    // Fallback: enable the flag at runtime and fetch gc from a fresh context.
    v8.setFlagsFromString('--expose-gc');
    const g2 = vm.runInNewContext('gc') as unknown;
    if (typeof g2 === 'function') return { gc: g2 as () => void, how: 'gc enabled at runtime via v8.setFlagsFromString' };
  } catch {
    // fall through
  }
  return { gc: undefined, how: 'unavailable' };
}
const { gc, how: gcHow } = findGc();

function heapBytes(): number {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, min: s[0]!, max: s[s.length - 1]! };
}

const fmt = (x: number): string => (x >= 1e4 ? x.toExponential(2) : x.toFixed(1));
const fmtStats = (st: { median: number; min: number; max: number }): string =>
  `median ${fmt(st.median)}  (min ${fmt(st.min)}, max ${fmt(st.max)})`;
const now = (): number => performance.now();

/**
 * Workload arrays are pushed here so they stay reachable: otherwise V8 frees one as soon as it is
 * last used, and a heap-growth measurement spanning that point would undercount the map.
 */
const retained: unknown[] = [];

// ---- workload generation ------------------------------------------------------------

/** Disjoint ranges: range i lies at a random offset in its own slot of the space, with gaps on both sides. */
function makeRanges(count: number, seed: number): { starts: Float64Array; lens: Int32Array; order: Int32Array } {
  const r = prng(seed);
  const slot = Math.floor(SPACE / count);
  const starts = new Float64Array(count);
  const lens = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    starts[i] = i * slot + 1 + MAX_RANGE_LEN + r.below(slot - 4 * MAX_RANGE_LEN);
    lens[i] = 1 + r.below(MAX_RANGE_LEN);
  }
  // Insert in random order: sequential appends would leave every block exactly half full.
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = r.below(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return { starts, lens, order };
}

interface Updates {
  starts: Float64Array;
  ends: Float64Array;
  values: Int32Array;
}

/** Range sets of length 1..64 landing on or next to a random existing range. */
function makeUpdates(count: number, base: Float64Array, seed: number): Updates {
  const r = prng(seed);
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s = base[r.below(base.length)]! - MAX_RANGE_LEN / 2 + r.below(MAX_RANGE_LEN * 1.5);
    starts[i] = s;
    ends[i] = s + 1 + r.below(MAX_RANGE_LEN);
    values[i] = r.below(3);
  }
  return { starts, ends, values };
}

function makeLookups(count: number, seed: number): Float64Array {
  const r = prng(seed);
  const xs = new Float64Array(count);
  for (let i = 0; i < count; i++) xs[i] = r.below(SPACE);
  return xs;
}

// ---- the naive per-page map -----------------------------------------------------------

class NaivePageMap {
  readonly pages = new Map<number, number>();
  get(i: number): number {
    return this.pages.get(i) ?? 0;
  }
  /** One Map operation per page: the cost a per-page representation pays for a range update. */
  set(start: number, end: number, value: number): void {
    if (value === 0) for (let i = start; i < end; i++) this.pages.delete(i);
    else for (let i = start; i < end; i++) this.pages.set(i, value);
  }
}

// ---- run --------------------------------------------------------------------------------

function main(): void {
  const t0 = now();
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`RangeMap benchmark — node ${process.version}, ${os.cpus().length} CPUs (${cpu}), gc: ${gcHow}`);
  console.log(`index space 2^40 pages; ${RANGES} disjoint random ranges (length 1..${MAX_RANGE_LEN}) of value 1 on a 0 background`);

  // Workload arrays are allocated before the memory baseline so they are not charged to the map.
  const ranges = makeRanges(RANGES, 1);
  const lookups = makeLookups(LOOKUPS_PER_REP, 2);
  const updateSets: Updates[] = [];
  for (let rep = 0; rep < REPS; rep++) updateSets.push(makeUpdates(UPDATES_PER_REP, ranges.starts, 100 + rep));
  retained.push(ranges, lookups, updateSets);

  // -- RangeMap: build
  const build = (): RangeMap => {
    const m = new RangeMap(SPACE, 0);
    for (let i = 0; i < RANGES; i++) {
      const k = ranges.order[i]!;
      const s = ranges.starts[k]!;
      m.set(s, s + ranges.lens[k]!, 1);
    }
    return m;
  };
  const before = heapBytes();
  let tb = now();
  let map = build();
  tb = now() - tb;
  const after = heapBytes();
  const fragments = map.fragmentCount;
  map.checkInvariants();
  const bytesTyped = map.memoryBytes() / fragments;
  const bytesHeap = gc ? (after - before) / fragments : NaN;
  console.log(`build: ${RANGES} sets in ${(tb / 1000).toFixed(2)} s (${fmt(RANGES / (tb / 1000))} sets/s) -> ${fragments} fragments`);
  console.log(`RangeMap bytes/fragment: memoryBytes() ${bytesTyped.toFixed(1)}; heap+arrayBuffers growth ${gc ? bytesHeap.toFixed(1) : `unavailable (run node --expose-gc)`}`);

  // -- RangeMap: lookups
  const lookupRates: number[] = [];
  let sink = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const t = now();
    for (let i = 0; i < LOOKUPS_PER_REP; i++) sink += map.get(lookups[i]!);
    lookupRates.push(LOOKUPS_PER_REP / ((now() - t) / 1000));
  }
  const lk = stats(lookupRates);
  console.log(`RangeMap lookups/s: ${fmtStats(lk)}  [${REPS} runs x ${LOOKUPS_PER_REP} random gets]`);

  // -- RangeMap: updates. Random sets drift the fragment count up towards an equilibrium of
  // roughly 2-3x the start, so every run starts from a fresh copy of the 1M-fragment map.
  const updateRates: number[] = [];
  const fragBefore = map.fragmentCount;
  const fragAfter: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    if (rep > 0) {
      map = new RangeMap(1); // drop the old map before building the next (memory)
      gc?.();
      map = build();
    }
    const u = updateSets[rep]!;
    const t = now();
    for (let i = 0; i < UPDATES_PER_REP; i++) map.set(u.starts[i]!, u.ends[i]!, u.values[i]!);
    updateRates.push(UPDATES_PER_REP / ((now() - t) / 1000));
    fragAfter.push(map.fragmentCount);
  }
  map.checkInvariants();
  const up = stats(updateRates);
  console.log(`RangeMap updates/s: ${fmtStats(up)}  [${REPS} runs x ${UPDATES_PER_REP} random range sets, each run on a fresh copy]`);
  console.log(
    `RangeMap fragments before each run ${fragBefore}, after: ${fragAfter.join(', ')} ` +
      `(+${((Math.max(...fragAfter) / fragBefore - 1) * 100).toFixed(1)}% at most); memoryBytes()/fragment after ${(map.memoryBytes() / map.fragmentCount).toFixed(1)}`,
  );
  const mapBytes = map.memoryBytes();

  // -- naive Map at reduced scale
  const nRanges = RANGES / NAIVE_SCALE;
  const naiveRanges = makeRanges(nRanges, 3);
  const naiveUpdates: Updates[] = [];
  for (let rep = 0; rep < REPS; rep++) naiveUpdates.push(makeUpdates(NAIVE_UPDATES_PER_REP, naiveRanges.starts, 200 + rep));
  retained.push(naiveRanges, naiveUpdates);
  const nb0 = heapBytes();
  const naive = new NaivePageMap();
  let tn = now();
  for (let i = 0; i < nRanges; i++) {
    const k = naiveRanges.order[i]!;
    const s = naiveRanges.starts[k]!;
    naive.set(s, s + naiveRanges.lens[k]!, 1);
  }
  tn = now() - tn;
  const nb1 = heapBytes();
  const naivePages = naive.pages.size;
  const naiveBytesPerPage = gc ? (nb1 - nb0) / naivePages : NaN;
  console.log(
    `naive Map<number,number> at 1/${NAIVE_SCALE} scale (a full-scale one would hold ~${(naivePages * NAIVE_SCALE / 1e6).toFixed(1)}M pages): ` +
      `${nRanges} ranges -> ${naivePages} pages stored, built in ${(tn / 1000).toFixed(2)} s`,
  );
  console.log(`naive bytes/stored page: ${gc ? naiveBytesPerPage.toFixed(1) : 'unavailable (run node --expose-gc)'}`);
  const nLookupRates: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t = now();
    for (let i = 0; i < NAIVE_LOOKUPS_PER_REP; i++) sink += naive.get(lookups[i]!);
    nLookupRates.push(NAIVE_LOOKUPS_PER_REP / ((now() - t) / 1000));
  }
  const nlk = stats(nLookupRates);
  console.log(`naive lookups/s: ${fmtStats(nlk)}  [${REPS} runs x ${NAIVE_LOOKUPS_PER_REP} random gets]`);
  const nUpdateRates: number[] = [];
  let pageOps = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const u = naiveUpdates[rep]!;
    const t = now();
    for (let i = 0; i < NAIVE_UPDATES_PER_REP; i++) naive.set(u.starts[i]!, u.ends[i]!, u.values[i]!);
    nUpdateRates.push(NAIVE_UPDATES_PER_REP / ((now() - t) / 1000));
    for (let i = 0; i < NAIVE_UPDATES_PER_REP; i++) pageOps += u.ends[i]! - u.starts[i]!;
  }
  const nup = stats(nUpdateRates);
  console.log(
    `naive updates/s: ${fmtStats(nup)}  [${REPS} runs x ${NAIVE_UPDATES_PER_REP} range sets, ${(pageOps / (REPS * NAIVE_UPDATES_PER_REP)).toFixed(1)} Map ops each on average]`,
  );

  // -- comparison
  const rangeMapBytesPerRange = (gc ? Math.max(bytesHeap, bytesTyped) : bytesTyped) * (fragments / RANGES);
  const naiveBytesPerRange = naiveBytesPerPage * (naivePages / nRanges);
  console.log(
    `ratios RangeMap/naive: lookups ${(lk.median / nlk.median).toFixed(2)}x, updates ${(up.median / nup.median).toFixed(2)}x; ` +
      `bytes to hold one range: RangeMap ${rangeMapBytesPerRange.toFixed(1)} vs naive ${gc ? naiveBytesPerRange.toFixed(1) : 'n/a'}` +
      (gc ? ` (naive uses ${(naiveBytesPerRange / rangeMapBytesPerRange).toFixed(1)}x more)` : ''),
  );

  // -- verdict: bytes/fragment uses the larger of the two measures when both exist
  const bytesPerFragment = gc ? Math.max(bytesHeap, bytesTyped) : bytesTyped;
  const okL = lk.median >= TARGET_LOOKUPS;
  const okU = up.median >= TARGET_UPDATES;
  const okB = bytesPerFragment <= TARGET_BYTES;
  const verdict = okL && okU && okB ? 'PASS' : 'FAIL';
  console.log(`(sink ${sink}, typed-array bytes ${mapBytes}, total runtime ${((now() - t0) / 1000).toFixed(1)} s)`);
  console.log(
    `SUMMARY: ${verdict} — lookups ${fmt(lk.median)}/s ${okL ? '>=' : '<'} 1e6 [${okL ? 'PASS' : 'FAIL'}], ` +
      `updates ${fmt(up.median)}/s ${okU ? '>=' : '<'} 3e5 [${okU ? 'PASS' : 'FAIL'}], ` +
      `${bytesPerFragment.toFixed(1)} bytes/fragment ${okB ? '<=' : '>'} 100 [${okB ? 'PASS' : 'FAIL'}]` +
      (gc ? '' : ' (bytes from memoryBytes() only; heap measure unavailable)'),
  );
  if (verdict !== 'PASS') process.exitCode = 1;
}

main();
