/**
 * What fallocate does to the model's own page states (hole, allocated, up to date) and page store,
 * which a scenario cannot see. The errno rules and their order, and the data a host reads after
 * allocate and punch, are catalog scenarios: catalog/fallocate/*.json (vfs_order, modes,
 * punch_past_end, allocate_keeps_data, mode_span_grid) and catalog/selftest/fallocate.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageState } from '../../src/model/guestMemfd/inode.js';
import { fixture } from './fixtures.js';

const P = 4096;

describe('fallocate: effects on pages', () => {
  it('allocate does not zero a page in use; punch frees it and the next use reads zeroes', () => {
    using f = fixture();
    using map = f.file.mmap();
    map.fill(0, 4 * P, 0x55);
    f.file.allocate(0, 4 * P);
    assert.equal(map.read(P + 7, 1)[0], 0x55);
    f.file.punchHole(P, P);
    assert.equal(f.inode.pageState.get(1), PageState.Hole);
    f.file.allocate(P, P);
    assert.equal(f.inode.pageState.get(1), PageState.Allocated);
    assert.equal(map.read(P + 7, 1)[0], 0);
    assert.equal(f.inode.pageState.get(1), PageState.Uptodate);
  });
  it('a punch that runs past the end frees the part inside the file', () => {
    using f = fixture();
    using map = f.file.mmap();
    map.fill(0, 4 * P, 0x11);
    f.file.punchHole(2 * P, 100 * P);
    assert.deepEqual([...map.read(P, 1), ...map.read(2 * P, 1), ...map.read(3 * P, 1)], [0x11, 0, 0]);
    assert.equal(f.inode.contents.storedPages, 2);
  });
});
