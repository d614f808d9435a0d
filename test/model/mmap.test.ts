import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAP_PRIVATE, MAP_SHARED_VALIDATE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { MMAP, fixture } from './fixtures.js';

const P = 4096;

describe('mmap: the generic checks come before guest_memfd', () => {
  it('an unaligned offset or a zero length is EINVAL', () => {
    using f = fixture();
    expectCode(() => f.file.mmap({ offset: 1 }), 'EINVAL');
    expectCode(() => f.file.mmap({ length: 0 }), 'EINVAL');
  });
  it('a length that overflows when rounded to a page, or does not fit the address space, is ENOMEM', () => {
    using f = fixture();
    expectCode(() => f.file.mmap({ length: 0xffff_ffff_ffff_ffffn }), 'ENOMEM');
    expectCode(() => f.file.mmap({ length: 1n << 50n }), 'ENOMEM');
  });
  it('a file range past the largest file offset is EOVERFLOW', () => {
    using f = fixture();
    expectCode(() => f.file.mmap({ offset: (1n << 63n) - 4096n, length: 2 * P }), 'EOVERFLOW');
  });
  it('PROT_EXEC is EPERM (noexec), even on a file without MMAP', () => {
    using f = fixture({ flags: 0n });
    expectCode(() => f.file.mmap({ prot: PROT_READ | PROT_EXEC }), 'EPERM');
  });
  it('without MMAP any mapping is ENODEV, MAP_PRIVATE included', () => {
    using f = fixture({ flags: 0n });
    expectCode(() => f.file.mmap(), 'ENODEV');
    expectCode(() => f.file.mmap({ flags: MAP_PRIVATE }), 'ENODEV');
  });
  it('MAP_SHARED_VALIDATE works like MAP_SHARED; MAP_PRIVATE is EINVAL', () => {
    using f = fixture();
    f.file.mmap({ flags: MAP_SHARED_VALIDATE }).unmap();
    expectCode(() => f.file.mmap({ flags: MAP_PRIVATE }), 'EINVAL');
  });
  it('mapping past the end of the file succeeds; touching there is SIGBUS', () => {
    using f = fixture();
    using map = f.file.mmap({ offset: 2 * P, length: 8 * P });
    map.write(0, new Uint8Array([1]));
    const err = expectCode(() => map.read(2 * P, 1), 'SIGBUS');
    assert.equal(err.fileOffset, BigInt(4 * P));
    assert.equal(err.mappingOffset, BigInt(2 * P));
  });
});

describe('host access', () => {
  it('a write that crosses into a page past the end stores the bytes before it and stops', () => {
    using f = fixture();
    using map = f.file.mmap({ length: 8 * P });
    const data = new Uint8Array(2 * P).fill(0x77);
    const err = expectCode(() => map.write(3 * P, data), 'SIGBUS');
    assert.equal(err.mappingOffset, BigInt(4 * P));
    assert.equal(map.read(4 * P - 1, 1)[0], 0x77);
  });
  it('every touch of a file without INIT_SHARED is SIGBUS, and nothing is stored', () => {
    using f = fixture({ flags: MMAP });
    using map = f.file.mmap();
    expectCode(() => map.read(0, 1), 'SIGBUS');
    expectCode(() => map.write(P, new Uint8Array(1)), 'SIGBUS');
    assert.equal(f.inode.contents.storedPages, 0);
  });
  it('a first touch reads zeroes; data stays until punched', () => {
    using f = fixture();
    using map = f.file.mmap();
    assert.deepEqual([...map.read(10, 4)], [0, 0, 0, 0]);
    map.write(10, new Uint8Array([1, 2, 3, 4]));
    using again = f.file.mmap();
    assert.deepEqual([...again.read(10, 4)], [1, 2, 3, 4], 'a second mapping sees the same page');
  });
  it('protections: writing through a read-only mapping is SIGSEGV; mprotect to EXEC is EACCES', () => {
    using f = fixture();
    using map = f.file.mmap({ prot: PROT_READ });
    expectCode(() => map.write(0, new Uint8Array(1)), 'SIGSEGV');
    expectCode(() => map.mprotect(PROT_READ | PROT_EXEC), 'EACCES');
    map.mprotect(PROT_READ | PROT_WRITE);
    map.write(0, new Uint8Array([5]));
    assert.equal(map.read(0, 1)[0], 5);
  });
  it('accesses outside the mapping are RangeErrors that touch nothing', () => {
    using f = fixture();
    using map = f.file.mmap({ length: P });
    assert.throws(() => map.read(P, 1), RangeError);
    assert.throws(() => map.write(P - 1, new Uint8Array(2)), RangeError);
    assert.throws(() => map.fill(0, P + 1, 1), RangeError);
    assert.equal(f.inode.contents.storedPages, 0);
  });
  it('the mapping length is rounded up to whole pages', () => {
    using f = fixture();
    using map = f.file.mmap({ length: 10 });
    assert.equal(map.length, BigInt(P));
    map.write(P - 1, new Uint8Array([1]));
  });
});
