import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_NO_HIDE_STALE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_WRITE_ZEROES,
  FALLOC_FL_ZERO_RANGE,
} from '../../src/uapi/flags.js';
import { PageState } from '../../src/model/guestMemfd/inode.js';
import { expectCode } from '../helpers.js';
import { fixture } from './fixtures.js';

const P = 4096;
const KEEP = FALLOC_FL_KEEP_SIZE;
const PUNCH = KEEP | FALLOC_FL_PUNCH_HOLE;

describe('fallocate: the VFS checks come first, in their order', () => {
  it('an offset negative as a loff_t is EINVAL whatever the mode', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(0x100, 1n << 63n, P), 'EINVAL');
    expectCode(() => f.file.fallocate(PUNCH, 0xffff_ffff_ffff_f000n, P), 'EINVAL');
  });
  it('a length of 0 or negative as a loff_t is EINVAL', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(KEEP, 0, 0), 'EINVAL');
    expectCode(() => f.file.fallocate(KEEP, 0, 1n << 63n), 'EINVAL');
  });
  it('an unknown mode bit is EOPNOTSUPP before an overflow is EFBIG', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(KEEP | 0x100, (1n << 62n) * 2n - 4096n, 8192), 'EOPNOTSUPP');
    expectCode(() => f.file.fallocate(KEEP | FALLOC_FL_NO_HIDE_STALE, 0, P), 'EOPNOTSUPP');
  });
  it('two operations at once, PUNCH_HOLE without KEEP_SIZE, and COLLAPSE/INSERT/WRITE_ZEROES with KEEP_SIZE are EOPNOTSUPP', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(PUNCH | FALLOC_FL_ZERO_RANGE, 0, P), 'EOPNOTSUPP');
    expectCode(() => f.file.fallocate(FALLOC_FL_PUNCH_HOLE, 0, P), 'EOPNOTSUPP');
    for (const m of [FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_WRITE_ZEROES]) {
      expectCode(() => f.file.fallocate(KEEP | m, 0, P), 'EOPNOTSUPP', `mode 0x${m.toString(16)}`);
    }
  });
  it('offset + len past the largest loff_t is EFBIG, even for a mode guest_memfd refuses', () => {
    using f = fixture();
    const offset = (1n << 63n) - 4096n;
    expectCode(() => f.file.fallocate(KEEP, offset, 8192), 'EFBIG');
    expectCode(() => f.file.fallocate(0, offset, 8192), 'EFBIG');
    expectCode(() => f.file.fallocate(PUNCH, offset, 8192), 'EFBIG');
    // Exactly reaching the largest loff_t is not an overflow: guest_memfd's checks decide.
    expectCode(() => f.file.fallocate(KEEP, offset, 4095), 'EINVAL');
  });
});

describe('fallocate: then guest_memfd checks', () => {
  it('a mode without KEEP_SIZE is EOPNOTSUPP (the size is fixed)', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(0, 0, P), 'EOPNOTSUPP');
    expectCode(() => f.file.fallocate(FALLOC_FL_ZERO_RANGE, 0, P), 'EOPNOTSUPP');
    expectCode(() => f.file.fallocate(FALLOC_FL_COLLAPSE_RANGE, 0, P), 'EOPNOTSUPP');
  });
  it('ZERO_RANGE and UNSHARE_RANGE with KEEP_SIZE are EOPNOTSUPP', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(KEEP | FALLOC_FL_ZERO_RANGE, 0, P), 'EOPNOTSUPP');
    expectCode(() => f.file.fallocate(KEEP | FALLOC_FL_UNSHARE_RANGE, 0, P), 'EOPNOTSUPP');
  });
  it('EOPNOTSUPP for the mode comes before EINVAL for alignment', () => {
    using f = fixture();
    expectCode(() => f.file.fallocate(0, 1, 1), 'EOPNOTSUPP');
  });
  it('allocate past the end is EINVAL; punch past the end succeeds and does nothing', () => {
    using f = fixture();
    expectCode(() => f.file.allocate(3 * P, 2 * P), 'EINVAL');
    f.file.punchHole(4 * P, 1n << 40n);
  });
});

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
