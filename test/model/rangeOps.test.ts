/**
 * The model's host fill and pin are range operations: their cost follows the file's ranges, not
 * its pages, so a 1 TiB zero fill or pin is immediate (they walked 2^28 pages: ~40 s and ~3 s),
 * and a fill that meets a private page still stops exactly there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openKvm } from '../../src/open.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { liveModelObjects } from '../../src/model/stats.js';
import { expectCode } from '../helpers.js';

const TiB = 1n << 40n;
const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('model range operations', () => {
  it('a 1 TiB zero fill through a mapping takes well under a second and stores nothing', () => {
    using kvm = openKvm({ backend: 'model', profile: 'granular' });
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: TiB, flags: SHARED });
    using map = file.mmap();
    const before = liveModelObjects.storedPages;
    map.fill(4096, 16, 9);
    const ms = timed(() => map.fill(0, TiB, 0));
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
    assert.equal(liveModelObjects.storedPages, before, 'the zeroed page is dropped, nothing else stored');
    assert.deepEqual([...map.read(4096, 4)], [0, 0, 0, 0]);
  });

  it('a 1 TiB pin takes well under a second', () => {
    using kvm = openKvm({ backend: 'model', profile: 'granular' });
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: TiB, flags: SHARED });
    const ms = timed(() => file.pins!.pin(0, TiB).release());
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });

  it('a fill over a private page is done up to it and a SIGBUS there, as before', () => {
    // 16 MiB: a non-zero fill stores every page it passes, so a larger file only costs memory.
    const size = 1n << 24n;
    const privatePage = size / 2n;
    using kvm = openKvm({ backend: 'model', profile: 'inplace' });
    using vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    using file = vm.createGuestMemfd({ size, flags: SHARED });
    using map = file.mmap();
    file.conversion!.toPrivate(privatePage, 4096);
    const err = expectCode(() => map.fill(100, size - 100n, 7), 'SIGBUS');
    assert.equal(err.fileOffset, privatePage);
    assert.equal(err.mappingOffset, privatePage);
    assert.deepEqual([...map.read(99, 2)], [0, 7]);
    assert.deepEqual([...map.read(privatePage - 1n, 1)], [7]);
  });
});
