/**
 * The model process's descriptor table and address space against naive references: lowest free
 * descriptor first, and top-down highest-fit placement of mappings, whatever the order of
 * allocations and releases (the free-area cache and the lowest-free hint must never change an
 * answer, only its cost).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ModelProcess, type OpenFile } from '../../src/model/process.js';

const PAGE = 4096n;
// A small address space, so that requests also meet "no room".
const USER_MAX = (1n << 32n) + (1n << 30n) + 64n * PAGE - 1n;
const FLOOR = 1n << 32n;
const TOP = ((USER_MAX + 1n) / PAGE) * PAGE - (1n << 30n);

/** Top-down highest fit over a sorted list, scanning every gap. */
function naiveFindRoom(mappings: { start: bigint; length: bigint }[], length: bigint): bigint | undefined {
  let top = TOP;
  for (let i = mappings.length - 1; i >= -1; i--) {
    const floor = i >= 0 ? mappings[i]!.start + mappings[i]!.length : FLOOR;
    if (top - floor >= length) return top - length;
    if (i >= 0) top = mappings[i]!.start;
  }
  return undefined;
}

const file = (): OpenFile => ({ kind: 'memfd', put: () => {} });

describe('model process', () => {
  it('places mappings exactly where a full top-down search would, across maps and unmaps', () => {
    const op = fc.oneof(
      fc.record({ map: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ unmap: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const p = new ModelProcess<null>(USER_MAX, PAGE);
        const ref: { start: bigint; length: bigint }[] = [];
        for (const o of ops) {
          if ('map' in o) {
            const length = BigInt(o.map) * PAGE;
            const want = naiveFindRoom(ref, length);
            const got = p.findRoom(length);
            assert.equal(got, want);
            if (got === undefined) continue;
            p.occupy(got, length, null, () => {});
            ref.push({ start: got, length });
            ref.sort((a, b) => (a.start < b.start ? -1 : 1));
          } else if (ref.length > 0) {
            const [gone] = ref.splice(o.unmap % ref.length, 1);
            p.release(gone!.start);
          }
          assert.equal(p.mappingCount, ref.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a search whose answer is not taken (the mmap failed later) leaves placement unchanged', () => {
    const p = new ModelProcess<null>(USER_MAX, PAGE);
    const first = p.findRoom(PAGE)!;
    p.findRoom(4n * PAGE); // refused afterwards: never occupied
    assert.equal(p.findRoom(PAGE), first);
  });

  it('hands out the lowest free descriptor, as a fresh process does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 40 })), { maxLength: 200 }), (ops) => {
        const p = new ModelProcess<null>(USER_MAX, PAGE);
        const open = new Set([0, 1, 2]);
        for (const o of ops) {
          if (o === -1) {
            let want = 0;
            while (open.has(want)) want++;
            assert.equal(p.install(file()), want);
            open.add(want);
          } else {
            assert.equal(p.close(o), open.has(o));
            open.delete(o);
          }
        }
        assert.equal(p.openDescriptors, open.size);
      }),
      { numRuns: 300 },
    );
  });
});
