/** Page contents are sparse: a file costs memory for the pages touched, not for its size. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageState } from '../../src/model/guestMemfd/inode.js';
import { fixture } from './fixtures.js';

const P = 4096;
const TiB = 1n << 40n;

describe('sparse page store', () => {
  it('a 1 TiB file can be created and mapped; touching 1,000 pages costs about 1,000 pages', () => {
    const before = process.memoryUsage().arrayBuffers;
    using f = fixture({ size: TiB });
    using map = f.file.mmap();
    const stride = TiB / 1000n;
    for (let i = 0n; i < 1000n; i++) map.write(i * stride + 17n, new Uint8Array([Number(i % 251n) + 1]));
    const inode = f.inode;
    assert.equal(inode.contents.storedPages, 1000);
    assert.equal(inode.contents.storedBytes, 1000 * P);
    // 1,000 touched pages in a 2^28-page file: 1,000 in-use ranges and the holes between them.
    assert.ok(inode.pageState.fragmentCount <= 2001, `fragments ${inode.pageState.fragmentCount}`);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 1000 * P * 2 + (1 << 20), `array buffers grew by ${grown} bytes for 1,000 pages`);
    for (let i = 0n; i < 1000n; i += 111n) assert.equal(map.read(i * stride + 17n, 1)[0], Number(i % 251n) + 1);
  });
  it('reading an untouched page of a huge file stores nothing but marks it in use', () => {
    using f = fixture({ size: 1n << 62n });
    using map = f.file.mmap({ offset: 1n << 61n, length: P });
    assert.deepEqual([...map.read(0, 4)], [0, 0, 0, 0]);
    assert.equal(f.inode.contents.storedPages, 0);
    assert.equal(f.inode.pageState.get(2 ** 49), PageState.Uptodate);
  });
});
