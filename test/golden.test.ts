/** The golden helper fails on a missing file (so a new golden is written on purpose, with UPDATE_GOLDEN=1). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { golden } from './golden.js';

it('a golden file that does not exist is a failure, not a pass', (t) => {
  if (process.env.UPDATE_GOLDEN === '1') return t.skip('UPDATE_GOLDEN=1 writes golden files instead of comparing');
  assert.throws(() => golden('no-such-golden-file.txt', 'x'), /is missing/);
});
