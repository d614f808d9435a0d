/**
 * The model's host fill and pin are range operations: their cost follows the file's ranges, not
 * its pages. Both tests cover 2^34 pages: a page-by-page walk (2^28 pages took ~40 s to fill and
 * ~3 s to pin) would take ~43 and ~3 minutes, past the 120 s timeouts, which are only a hang
 * guard: no timing is asserted. A fill that meets a private page still stops there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openKvm } from '../../src/open.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { liveModelObjects } from '../../src/model/stats.js';
import { expectCode } from '../helpers.js';

/** 64 TiB: the largest mapping the model's 47-bit address space holds with room to spare. */
const HUGE_MAPPING = 1n << 46n;
/** A file far larger than any mapping. */
const HUGE_FILE = 1n << 56n;
/** A hang guard: the range operations take milliseconds; a page walk would take hours. */
const HANG_GUARD = { timeout: 120_000 };
const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

describe('model range operations', () => {
  it('a 64 TiB zero fill through a mapping is a range operation and stores nothing', HANG_GUARD, () => {
    using kvm = openKvm({ backend: 'model', profile: 'granular' });
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: HUGE_MAPPING, flags: SHARED });
    using map = file.mmap();
    const before = liveModelObjects.storedPages;
    map.fill(4096, 16, 9);
    map.fill(0, HUGE_MAPPING, 0);
    assert.equal(liveModelObjects.storedPages, before, 'the zeroed page is dropped, nothing else stored');
    assert.deepEqual([...map.read(4096, 4)], [0, 0, 0, 0]);
  });

  it('a pin of 64 TiB is a range operation: it holds every page until released', HANG_GUARD, () => {
    using kvm = openKvm({ backend: 'model', profile: 'inplace' });
    using vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    using file = vm.createGuestMemfd({ size: HUGE_FILE, flags: SHARED });
    // A pin reaches its pages through a mapping, so the largest is what the address space holds.
    const lastPage = HUGE_MAPPING - 4096n;
    const pin = file.pins!.pin(0, HUGE_MAPPING);
    expectCode(() => file.conversion!.toPrivate(lastPage, 4096), 'EAGAIN');
    pin.release();
    file.conversion!.toPrivate(lastPage, 4096);
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
