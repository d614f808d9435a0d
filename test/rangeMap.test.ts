import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RangeMap, MIN_BLOCK_CAPACITY, type Fragment } from '../src/model/rangeMap.js';

// ---- naive per-page reference ---------------------------------------------

/** Maximal runs of a[start..end), the canonical answer ranges() must give. */
function refRuns(a: Int32Array, start: number, end: number): Fragment[] {
  const out: Fragment[] = [];
  let s = start;
  for (let i = start + 1; i <= end; i++) {
    if (i === end || a[i] !== a[s]) {
      out.push({ start: s, end: i, value: a[s]! });
      s = i;
    }
  }
  return out;
}

function refFindFirst(a: Int32Array, start: number, end: number, pred: (v: number) => boolean): number {
  for (let i = start; i < end; i++) if (pred(a[i]!)) return i;
  return -1;
}

// ---- operations --------------------------------------------------------------

/** Update functions by id, so fast-check can shrink and print them. */
const FNS: ReadonlyArray<(v: number) => number> = [
  (v) => (v + 1) % 4,
  () => 0,
  (v) => v,
  (v) => v ^ 1,
  (v) => (v === 2 ? 3 : v),
  (v) => -v | 0,
];
const PREDS: ReadonlyArray<(v: number) => boolean> = [(v) => v === 0, (v) => v === 1, (v) => v >= 2, () => false, () => true];

type Op =
  | { kind: 'set'; start: number; end: number; value: number; probe: [number, number] }
  | { kind: 'update'; start: number; end: number; fn: number; probe: [number, number] };

/** Small value set so merging is frequent, plus rare int32 extremes. */
const valueArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 1, 2, 3) },
  { weight: 1, arbitrary: fc.constantFrom(-2147483648, 2147483647, -1) },
);

/** A range [s, e) with the boundaries 0 and n over-represented. */
function rangeArb(n: number): fc.Arbitrary<[number, number]> {
  const edge = fc.oneof(fc.constant(0), fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }));
  return fc.tuple(edge, edge).map(([a, b]) => (a <= b ? [a, b] : [b, a]));
}

/** Short ranges, so many fragments build up. */
function shortRangeArb(n: number): fc.Arbitrary<[number, number]> {
  return fc
    .tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: 6 }))
    .map(([s, len]) => [s, Math.min(n, s + len)] as [number, number]);
}

function opArb(n: number, short = false): fc.Arbitrary<Op> {
  const r = short ? fc.oneof({ weight: 6, arbitrary: shortRangeArb(n) }, { weight: 1, arbitrary: rangeArb(n) }) : rangeArb(n);
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), range: r, value: valueArb, probe: rangeArb(n) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('update' as const), range: r, fn: fc.nat(FNS.length - 1), probe: rangeArb(n) }) },
  ).map((o): Op =>
    o.kind === 'set'
      ? { kind: 'set', start: o.range[0], end: o.range[1], value: o.value, probe: o.probe }
      : { kind: 'update', start: o.range[0], end: o.range[1], fn: o.fn, probe: o.probe },
  );
}

function applyOp(m: RangeMap, a: Int32Array, op: Op): void {
  if (op.kind === 'set') {
    m.set(op.start, op.end, op.value);
    a.fill(op.value, op.start, op.end);
  } else {
    const fn = FNS[op.fn]!;
    // fn must see each maximal run (clipped) once, in order.
    const expected = refRuns(a, op.start, op.end).map((f) => f.value);
    const seen: number[] = [];
    m.update(op.start, op.end, (v) => {
      seen.push(v);
      return fn(v);
    });
    assert.deepEqual(seen, expected, 'update calls fn once per fragment piece, in order');
    for (let i = op.start; i < op.end; i++) a[i] = fn(a[i]!);
  }
}

/** Fragment-list equality without assert.deepEqual's per-call cost (it dominated runtime); full diff only on mismatch. */
function assertSameFragments(actual: Iterable<Fragment>, expected: readonly Fragment[], msg: string): void {
  const got = [...actual];
  let same = got.length === expected.length;
  for (let i = 0; same && i < got.length; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    same = g.start === e.start && g.end === e.end && g.value === e.value;
  }
  if (!same) assert.deepEqual(got, expected, msg);
}

/** Everything observable about m agrees with the reference a. */
function assertAgrees(m: RangeMap, a: Int32Array, probes: ReadonlyArray<readonly [number, number]>): void {
  const n = a.length;
  m.checkInvariants();
  for (let i = 0; i < n; i++) assert.equal(m.get(i), a[i], `get(${i})`);
  const all = refRuns(a, 0, n);
  assert.equal(m.fragmentCount, all.length, 'fragmentCount = number of maximal runs');
  assertSameFragments(m.ranges(), all, 'ranges()');
  // Every index's fragment is the run of `all` containing it.
  for (let r = 0, i = 0; i < n; i++) {
    if (i >= all[r]!.end) r++;
    assertSameFragments([m.fragmentAt(i)], [all[r]!], `fragmentAt(${i})`);
  }
  for (const [s, e] of [[0, n] as const, ...probes]) {
    assertSameFragments(m.ranges(s, e), refRuns(a, s, e), `ranges(${s}, ${e})`);
    for (let p = 0; p < PREDS.length; p++) {
      assert.equal(m.findFirst(s, e, PREDS[p]!), refFindFirst(a, s, e, PREDS[p]!), `findFirst(${s}, ${e}, pred #${p})`);
    }
  }
}

function runScenario(n: number, initial: number, ops: readonly Op[], blockCapacity?: number, checkEvery = true): void {
  const m = new RangeMap(n, initial, blockCapacity === undefined ? {} : { blockCapacity });
  const a = new Int32Array(n).fill(initial);
  assertAgrees(m, a, []);
  for (const op of ops) {
    applyOp(m, a, op);
    if (checkEvery) assertAgrees(m, a, [[op.start, op.end], op.probe]);
    else m.checkInvariants();
  }
  assertAgrees(m, a, ops.slice(-3).map((o) => o.probe));
}

const scenarioArb = (maxSize: number, maxOps: number, short = false, minSize = 1) =>
  fc.integer({ min: minSize, max: maxSize }).chain((n) =>
    fc.tuple(fc.constant(n), fc.constantFrom(0, 1, 7), fc.array(opArb(n, short), { maxLength: maxOps })),
  );

// ---- properties against the reference -----------------------------------------

test('random set/update sequences agree with a per-page reference after every operation', () => {
  fc.assert(
    fc.property(scenarioArb(300, 25), ([n, initial, ops]) => runScenario(n, initial, ops)),
    { numRuns: 250 },
  );
});

test('tiny block capacities (frequent block splits, merges and rebalances) still agree with the reference', () => {
  fc.assert(
    fc.property(
      scenarioArb(300, 150, true, 40),
      fc.integer({ min: MIN_BLOCK_CAPACITY, max: 12 }),
      ([n, initial, ops], cap) => runScenario(n, initial, ops, cap),
    ),
    { numRuns: 150 },
  );
});

/** Build many fragments, then erase them piecemeal: blocks shrink one breakpoint at a time, forcing underflow merges/rebalances. */
const erodeScenarioArb = fc.integer({ min: 100, max: 300 }).chain((n) => {
  const short = (maxLen: number) =>
    fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: maxLen })).map(([s, len]) => [s, Math.min(n, s + len)] as [number, number]);
  const build = fc.record({ r: short(3), value: fc.constantFrom(1, 2, 3), probe: rangeArb(n) })
    .map(({ r, value, probe }): Op => ({ kind: 'set', start: r[0], end: r[1], value, probe }));
  const erase = fc.oneof(
    { weight: 4, arbitrary: fc.record({ r: short(12), probe: rangeArb(n) }).map(({ r, probe }): Op => ({ kind: 'set', start: r[0], end: r[1], value: 0, probe })) },
    { weight: 1, arbitrary: fc.record({ r: short(12), probe: rangeArb(n) }).map(({ r, probe }): Op => ({ kind: 'update', start: r[0], end: r[1], fn: 1, probe })) },
  );
  return fc.tuple(fc.constant(n), fc.array(build, { minLength: 40, maxLength: 150 }), fc.array(erase, { minLength: 40, maxLength: 150 }))
    .map(([size, b, e]) => [size, [...b, ...e]] as const);
});

test('eroding a many-block map one fragment at a time (block underflow merges and rebalances) agrees with the reference', () => {
  fc.assert(
    fc.property(erodeScenarioArb, fc.integer({ min: MIN_BLOCK_CAPACITY, max: 16 }), ([n, ops], cap) => runScenario(n, 0, ops, cap)),
    { numRuns: 40 },
  );
});

test('long seeded random runs at every small block capacity keep agreeing with the reference', () => {
  // Long steady-state churn reaches block states (e.g. underflow next to a nearly full block) that short runs rarely do.
  let seed = 12345;
  const rnd = (k: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return ((seed >>> 0) % k) | 0;
  };
  for (let cap = MIN_BLOCK_CAPACITY; cap <= 16; cap++) {
    const n = 400;
    const m = new RangeMap(n, 0, { blockCapacity: cap });
    const a = new Int32Array(n);
    for (let i = 0; i < 3000; i++) {
      const start = rnd(n);
      const end = Math.min(n, start + 1 + rnd(i % 500 < 250 ? 3 : 10)); // alternate growing and eroding phases
      const value = i % 500 < 250 ? rnd(4) : rnd(2);
      m.set(start, end, value);
      a.fill(value, start, end);
      m.checkInvariants();
      assertSameFragments(m.ranges(), refRuns(a, 0, n), `ranges() after op ${i} at capacity ${cap}`);
    }
    assertAgrees(m, a, [[0, n], [n >> 1, n]]);
  }
});

test('many short ranges over several default-capacity blocks agree with the reference', () => {
  fc.assert(
    fc.property(
      fc.tuple(fc.constant(6000), fc.constant(0), fc.array(opArb(6000, true), { minLength: 300, maxLength: 1500 })),
      ([n, initial, ops]) => runScenario(n, initial, ops, undefined, false),
    ),
    { numRuns: 8 },
  );
});

// ---- deterministic behaviour --------------------------------------------------

test('adjacent equal ranges merge into one fragment and splitting restores them', () => {
  const m = new RangeMap(100);
  m.set(10, 20, 1);
  m.set(20, 30, 1);
  assert.equal(m.fragmentCount, 3);
  assert.deepEqual(m.fragmentAt(15), { start: 10, end: 30, value: 1 });
  m.set(15, 16, 2);
  assert.equal(m.fragmentCount, 5);
  m.set(15, 16, 1);
  assert.equal(m.fragmentCount, 3);
  m.set(0, 100, 0);
  assert.equal(m.fragmentCount, 1);
  m.checkInvariants();
});

test('a fresh map holds no whole block of memory and widens as its first block fills, one fragment at a time', () => {
  const n = 1000;
  const m = new RangeMap(n, 0);
  // A file's maps mostly keep a few fragments: they must not each cost a whole block's slab.
  assert.ok(m.memoryBytes() < 256, `a fresh map holds ${m.memoryBytes()} bytes`);
  const a = new Int32Array(n);
  // Every other page set: one more fragment per step, through the narrow slab's end and the
  // first block's (256) into a block split.
  for (let i = 1; i < 2 * 300; i += 2) {
    m.set(i, i + 1, 1);
    a[i] = 1;
    m.checkInvariants();
    assert.equal(m.fragmentCount, i + 2, `fragments after setting page ${i}`);
  }
  assertSameFragments(m.ranges(), refRuns(a, 0, n), 'ranges() after the growth');
  // With a block capacity of 9, a narrow slab holding 8 breakpoints overflows the block itself
  // when a set inserts two: the split (rebuild) path must lay it out in whole blocks.
  const split = new RangeMap(40, 0, { blockCapacity: 9 });
  const b = new Int32Array(40);
  for (const i of [1, 3, 5, 39]) (split.set(i, i + 1, 1), b.fill(1, i, i + 1));
  assert.equal(split.fragmentCount, 8);
  split.set(30, 31, 2);
  b[30] = 2;
  assert.equal(split.fragmentCount, 10);
  split.checkInvariants();
  assertSameFragments(split.ranges(), refRuns(b, 0, 40), 'ranges() after the split of a narrow slab');
});

test('update over 200k fragments spanning hundreds of blocks, then whole-space sets, keeps invariants and frees memory', () => {
  const n = 200_000;
  const m = new RangeMap(n, 0);
  for (let i = 0; i < n; i += 2) m.set(i, i + 1, 1);
  assert.equal(m.fragmentCount, n);
  m.checkInvariants();
  let calls = 0;
  m.update(1, n - 1, (v) => {
    calls++;
    return v + 10;
  });
  assert.equal(calls, n - 2);
  assert.equal(m.get(0), 1);
  assert.equal(m.get(1), 10);
  assert.equal(m.get(2), 11);
  assert.equal(m.get(n - 1), 0);
  m.checkInvariants();
  const peak = m.memoryBytes();
  m.update(0, n, () => 5); // collapses everything into one fragment
  assert.equal(m.fragmentCount, 1);
  m.checkInvariants();
  assert.ok(m.memoryBytes() < peak / 10, `memory given back: ${m.memoryBytes()} vs peak ${peak}`);
  for (let i = 0; i < n; i += 2) m.set(i, i + 1, 1);
  assert.ok(m.memoryBytes() <= peak * 1.6, 'regrowing to the same size needs about the same memory');
  m.set(0, n, 3);
  assert.equal(m.fragmentCount, 1);
  assert.ok(m.memoryBytes() < peak / 10);
  m.checkInvariants();
});

test('a 2^40-page map handles ranges touching the last pages', () => {
  const n = 2 ** 40;
  const m = new RangeMap(n, 0);
  m.set(n - 10, n, 5);
  m.set(n - 1, n, 6);
  m.set(0, 1, 9);
  m.set(2 ** 39, 2 ** 39 + 3, 1);
  m.checkInvariants();
  assert.equal(m.get(n - 1), 6);
  assert.equal(m.get(n - 2), 5);
  assert.equal(m.get(n - 11), 0);
  assert.equal(m.get(0), 9);
  assert.deepEqual(m.fragmentAt(n - 5), { start: n - 10, end: n - 1, value: 5 });
  assert.deepEqual(m.fragmentAt(12345), { start: 1, end: 2 ** 39, value: 0 });
  assert.deepEqual([...m.ranges(n - 12, n)], [
    { start: n - 12, end: n - 10, value: 0 },
    { start: n - 10, end: n - 1, value: 5 },
    { start: n - 1, end: n, value: 6 },
  ]);
  assert.equal(m.findFirst(1, n, (v) => v === 6), n - 1);
  assert.equal(m.findFirst(1, n, (v) => v === 1), 2 ** 39);
  assert.equal(m.fragmentCount, 6);
  m.update(0, n, (v) => (v === 0 ? 0 : 1));
  assert.equal(m.fragmentCount, 5);
  m.set(0, n, 0);
  assert.equal(m.fragmentCount, 1);
  m.checkInvariants();
});

test('indices up to Number.MAX_SAFE_INTEGER are exact', () => {
  const n = Number.MAX_SAFE_INTEGER;
  const m = new RangeMap(n, 3);
  m.set(n - 1, n, 4);
  m.set(n - 3, n - 2, 4);
  assert.equal(m.get(n - 1), 4);
  assert.equal(m.get(n - 2), 3);
  assert.equal(m.get(n - 3), 4);
  assert.equal(m.fragmentCount, 4);
  m.checkInvariants();
});

test('an empty index space has no fragments and rejects every index', () => {
  const m = new RangeMap(0, 7);
  assert.equal(m.fragmentCount, 0);
  assert.deepEqual([...m.ranges()], []);
  assert.equal(m.findFirst(0, 0, () => true), -1);
  m.set(0, 0, 1);
  m.update(0, 0, () => 1);
  assert.throws(() => m.get(0), RangeError);
  assert.throws(() => m.fragmentAt(0), RangeError);
  assert.throws(() => m.set(0, 1, 1), RangeError);
  m.checkInvariants();
});

test('empty ranges are no-ops and update does not call fn for them', () => {
  const m = new RangeMap(10, 1);
  m.set(5, 5, 2);
  m.update(3, 3, () => assert.fail('fn called for an empty range'));
  assert.equal(m.fragmentCount, 1);
  assert.deepEqual([...m.ranges(4, 4)], []);
  assert.equal(m.findFirst(4, 4, () => true), -1);
});

test('ranges() and findFirst() reflect mutations made by the consumer or pred, from the resume point on', () => {
  const n = 200;
  const build = (): [RangeMap, Int32Array] => {
    const m = new RangeMap(n, 0, { blockCapacity: 4 });
    const a = new Int32Array(n);
    for (let i = 0; i < n; i += 4) {
      m.set(i, i + 2, 1);
      a.fill(1, i, i + 2);
    }
    return [m, a];
  };
  // Mutate both before the cursor (shifting every later breakpoint's block/offset) and after it.
  const mutate = (m: RangeMap, a: Int32Array): void => {
    m.set(0, 40, 0);
    a.fill(0, 0, 40);
    m.set(150, 160, 7);
    a.fill(7, 150, 160);
  };
  {
    const [m, a] = build();
    const seen: Fragment[] = [];
    for (const f of m.ranges()) {
      seen.push(f);
      if (f.start === 80) mutate(m, a);
    }
    const at = seen.findIndex((f) => f.start === 80);
    assert.deepEqual(seen.slice(at + 1), refRuns(a, 82, n));
    m.checkInvariants();
  }
  {
    const [m, a] = build();
    let visited = 0;
    const found = m.findFirst(60, n, (v) => {
      if (++visited === 3) mutate(m, a); // pred sees [60,62)=1, [62,64)=0, [64,66)=1, then mutates
      return v === 7;
    });
    assert.equal(found, 150);
    m.checkInvariants();
  }
});

// ---- hostile input ----------------------------------------------------------

const isArgError = (e: unknown): boolean => e instanceof RangeError || e instanceof TypeError;

function snapshot(m: RangeMap): string {
  return JSON.stringify({ f: [...m.ranges()], c: m.fragmentCount });
}

function populated(): RangeMap {
  const m = new RangeMap(64, 0, { blockCapacity: 4 });
  for (let i = 0; i < 64; i += 3) m.set(i, i + 1, (i % 5) + 1);
  return m;
}

const BAD_INDICES: unknown[] = [-1, 64, 65, 0.5, 63.5, NaN, Infinity, -Infinity, '1', undefined, null, 1n, {}, 2 ** 53, -0.1];
const BAD_VALUES: unknown[] = [0.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, '1', undefined, null, 1n, true];

test('get and fragmentAt reject non-integer, negative, NaN and out-of-range indices', () => {
  const m = populated();
  for (const bad of BAD_INDICES) {
    assert.throws(() => m.get(bad as number), isArgError, `get(${String(bad)})`);
    assert.throws(() => m.fragmentAt(bad as number), isArgError, `fragmentAt(${String(bad)})`);
  }
  assert.throws(() => m.get(-1), RangeError);
  assert.throws(() => m.get('1' as unknown as number), TypeError);
});

test('set rejects bad ranges and non-int32 values and leaves the map unchanged', () => {
  const m = populated();
  const before = snapshot(m);
  const badRanges: Array<[unknown, unknown]> = [[5, 3], [-1, 3], [0, 65], [0.5, 3], [0, 3.5], [NaN, 3], [0, NaN], ['0', 3], [0, undefined], [64, 63]];
  for (const [s, e] of badRanges) {
    assert.throws(() => m.set(s as number, e as number, 1), isArgError, `set(${String(s)}, ${String(e)})`);
  }
  for (const v of BAD_VALUES) {
    assert.throws(() => m.set(0, 64, v as number), isArgError, `set value ${String(v)}`);
    assert.throws(() => m.set(3, 3, v as number), isArgError, `set value ${String(v)} on an empty range`);
  }
  assert.throws(() => m.set(5, 3, 1), RangeError);
  assert.throws(() => m.set(0, 1, 2 ** 31), RangeError);
  assert.equal(snapshot(m), before);
  m.checkInvariants();
});

test('update rejects bad ranges, non-functions, bad fn results and fn exceptions without changing the map', () => {
  const m = populated();
  const before = snapshot(m);
  assert.throws(() => m.update(5, 3, (v) => v), RangeError);
  assert.throws(() => m.update(0, 65, (v) => v), RangeError);
  assert.throws(() => m.update(0, 10, 'x' as unknown as (v: number) => number), TypeError);
  for (const v of BAD_VALUES) {
    assert.throws(() => m.update(0, 64, () => v as number), isArgError, `fn returning ${String(v)}`);
  }
  // The bad result arrives only on the last piece: earlier pieces must not have been written.
  let calls = 0;
  const pieces = [...m.ranges(0, 64)].length;
  assert.throws(() =>
    m.update(0, 64, (v) => {
      calls++;
      return calls === pieces ? 0.5 : v + 100;
    }), RangeError);
  assert.throws(() =>
    m.update(0, 64, () => {
      throw new Error('boom');
    }), /boom/);
  assert.equal(snapshot(m), before);
  m.checkInvariants();
});

test('ranges, findFirst and the constructor reject bad arguments eagerly', () => {
  const m = populated();
  const before = snapshot(m);
  assert.throws(() => m.ranges(5, 3), RangeError); // before the first next()
  assert.throws(() => m.ranges(0, 65), RangeError);
  assert.throws(() => m.ranges(NaN), RangeError);
  assert.throws(() => m.findFirst(0, 65, () => true), RangeError);
  assert.throws(() => m.findFirst(-1, 3, () => true), RangeError);
  assert.throws(() => m.findFirst(0, 3, 1 as unknown as (v: number) => boolean), TypeError);
  assert.equal(snapshot(m), before);
  for (const bad of [-1, 0.5, NaN, Infinity, 2 ** 53, '5', undefined]) {
    assert.throws(() => new RangeMap(bad as number), isArgError, `size ${String(bad)}`);
  }
  for (const bad of BAD_VALUES.filter((v) => v !== undefined)) {
    assert.throws(() => new RangeMap(10, bad as number), isArgError, `initial ${String(bad)}`);
  }
  for (const bad of [MIN_BLOCK_CAPACITY - 1, 0, 4.5, NaN, 1 << 20, '8']) {
    assert.throws(() => new RangeMap(10, 0, { blockCapacity: bad as number }), isArgError, `blockCapacity ${String(bad)}`);
  }
});
