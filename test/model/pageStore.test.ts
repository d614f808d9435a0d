/** PageStore copies exactly the bytes asked for, whether a piece is a whole page or part of one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageStore } from '../../src/model/pageStore.js';

const P = 16; // A small page: the store takes any size, and the bytes stay readable in a failure.

/** Bytes 1, 2, 3, ... (never 0, so a zero shows a byte that was not copied). */
const counting = (n: number, from = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => ((from + i) % 255) + 1);

describe('page store copies', () => {
  it('a whole page is written from and read into a buffer of exactly a page', () => {
    const store = new PageStore(P);
    const src = counting(P);
    store.write(3, 0, src, 0, P);
    const out = new Uint8Array(P);
    store.read(3, 0, out, 0, P);
    assert.deepEqual(out, src);
  });

  it('a piece starting at byte 0 of a longer buffer copies only its own length', () => {
    const store = new PageStore(P);
    const src = counting(2 * P); // two pages' worth: the first piece is the first half
    store.write(0, 0, src, 0, P);
    store.write(1, 0, src, P, P);
    const out = new Uint8Array(2 * P + 4);
    store.read(0, 0, out, 0, P);
    store.read(1, 0, out, P, P);
    assert.deepEqual(out.subarray(0, 2 * P), src);
    assert.deepEqual([...out.subarray(2 * P)], [0, 0, 0, 0], 'nothing past the pieces was written');
  });

  it('a piece inside a page moves those bytes and keeps the rest of the page', () => {
    const store = new PageStore(P);
    store.write(0, 0, counting(P), 0, P);
    store.write(0, 5, new Uint8Array([200, 201, 202, 203]), 1, 2); // bytes 201, 202 to offsets 5, 6
    const out = new Uint8Array(P);
    store.read(0, 0, out, 0, P);
    const expected = counting(P);
    expected[5] = 201;
    expected[6] = 202;
    assert.deepEqual(out, expected);
    const part = new Uint8Array(3);
    store.read(0, 4, part, 0, 3);
    assert.deepEqual([...part], [expected[4], 201, 202]);
  });

  it('a page never written reads as zeroes into just the asked bytes', () => {
    const store = new PageStore(P);
    const out = new Uint8Array(P).fill(7);
    store.read(9, 0, out, 2, 4);
    assert.deepEqual([...out.subarray(0, 8)], [7, 7, 0, 0, 0, 0, 7, 7]);
  });
});
