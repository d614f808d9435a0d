/**
 * What a scenario cannot say about the model's mappings: a refused host touch stores nothing in
 * the page store, and an access outside the mapping is a RangeError (the API refusing the
 * arguments) that touches nothing. The mmap and host-access rules are catalog scenarios:
 * catalog/mmap/*.json (generic_checks, exec, past_end, protection, zero_fill, option_grid,
 * host_access) and catalog/selftest/{fault_private,fault_overflow,mmap_cow,mmap_not_supported}.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectCode } from '../helpers.js';
import { MMAP, fixture } from './fixtures.js';

const P = 4096;

describe('host access (model internals)', () => {
  it('every touch of a file without INIT_SHARED is SIGBUS, and nothing is stored', () => {
    using f = fixture({ flags: MMAP });
    using map = f.file.mmap();
    expectCode(() => map.read(0, 1), 'SIGBUS');
    expectCode(() => map.write(P, new Uint8Array(1)), 'SIGBUS');
    assert.equal(f.inode.contents.storedPages, 0);
  });
  it('accesses outside the mapping are RangeErrors that touch nothing', () => {
    using f = fixture();
    using map = f.file.mmap({ length: P });
    assert.throws(() => map.read(P, 1), RangeError);
    assert.throws(() => map.write(P - 1, new Uint8Array(2)), RangeError);
    assert.throws(() => map.fill(0, P + 1, 1), RangeError);
    assert.equal(f.inode.contents.storedPages, 0);
  });
});
