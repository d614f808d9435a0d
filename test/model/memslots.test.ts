/**
 * What a scenario cannot say about the model's memslots: which check refused a region (the
 * model's reason; the kernel answers EINVAL for all of them, so only the reason shows the order),
 * the model's own slot table after deletes and moves and its binding count, and the linux-6.18
 * profile's second (SMM) address space, which is configuration (this host's kernel has none).
 * The errno rules are catalog scenarios: catalog/memslot/*.json (sanity_checks,
 * flag_bits_and_sanity, immutable, binding_rules, binding_grid, bind_offset_overflow,
 * private_memory_address_space, add_private_memory_region, overlapping_private_memory_regions,
 * guest_memfd_flag_combinations) and the code checks memslot.invalid_flags and
 * memslot.bind_unaligned_offsets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { fixture } from './fixtures.js';

const P = 4096;
const GMEM = KVM_MEM_GUEST_MEMFD;

describe('KVM_SET_USER_MEMORY_REGION2: the order of the sanity checks (the reason tells which)', () => {
  it('a slot id at or above KVM_USER_MEM_SLOTS is refused as such', () => {
    using f = fixture();
    const err = expectCode(() => f.vm.setUserMemoryRegion2({ slot: 32764, guestPhysAddr: 0, memorySize: P }), 'EINVAL');
    assert.match(err.message, /KVM_USER_MEM_SLOTS/);
  });
  it('checks flags, then size, gpa and user address alignment, then the address space, then wrapping', () => {
    using f = fixture({ rawAddresses: true });
    const reason = (region: Parameters<typeof f.vm.setUserMemoryRegion2>[0]) => expectCode(() => f.vm.setUserMemoryRegion2(region), 'EINVAL').reason!;
    assert.match(reason({ slot: 0, flags: 0x80, guestPhysAddr: 1, memorySize: 1, userspaceAddr: 1 }), /flags/);
    assert.match(reason({ slot: 0, guestPhysAddr: 1, memorySize: 1, userspaceAddr: 1 }), /memory_size/);
    assert.match(reason({ slot: 0, guestPhysAddr: 1, memorySize: P, userspaceAddr: 1 }), /guest_phys_addr/);
    assert.match(reason({ slot: 0, guestPhysAddr: 0, memorySize: P, userspaceAddr: 1 }), /userspace_addr/);
    assert.match(reason({ slot: 0x10000 * 3, guestPhysAddr: 0xffff_ffff_ffff_f000n, memorySize: 2 * P }), /address space 3/);
    assert.match(reason({ slot: 0, guestPhysAddr: 0xffff_ffff_ffff_f000n, memorySize: 2 * P }), /wraps/);
  });
});

describe('KVM_SET_USER_MEMORY_REGION2: the model slot table', () => {
  it('a DEFAULT VM has address space 1 (SMM) in linux-6.18, and slots overlap only within one address space', () => {
    using d = fixture();
    d.vm.setUserMemoryRegion2({ slot: 0x10000, guestPhysAddr: 0, memorySize: P });
    d.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: P });
  });
  it('deleting a bound slot (with any descriptor) empties the table', () => {
    using f = fixture();
    f.vm.setUserMemoryRegion2({ slot: 3, flags: GMEM, guestPhysAddr: 0, memorySize: P, guestMemfd: f.file });
    f.vm.setUserMemoryRegion2({ slot: 3, flags: GMEM, guestPhysAddr: 0, memorySize: 0, guestMemfd: 12345 });
    assert.equal(f.vmState.slots.size, 0);
  });
  it('moving an ordinary slot moves its base frame', () => {
    using f = fixture({ rawAddresses: true });
    const r = { slot: 0, guestPhysAddr: 0, memorySize: 2 * P, userspaceAddr: 0x10000 };
    f.vm.setUserMemoryRegion2(r);
    f.vm.setUserMemoryRegion2({ ...r, flags: KVM_MEM_LOG_DIRTY_PAGES, guestPhysAddr: 16 * P });
    assert.equal(f.vmState.slots.get(0)?.baseGfn, 16);
  });
  it('disjoint ranges of one file bind to several slots, each counted by the file', () => {
    using f = fixture({ size: 4 * P });
    const bind = (slot: number, gpa: number, size: number, offset: number) =>
      f.vm.setUserMemoryRegion2({ slot, flags: GMEM, guestPhysAddr: gpa, memorySize: size, guestMemfd: f.file, guestMemfdOffset: offset });
    bind(0, 0, 2 * P, 0);
    bind(1, 0x100000, P, 2 * P);
    expectCode(() => bind(2, 0x200000, 2 * P, P), 'EINVAL', 'overlaps slot 0 in the file');
    bind(2, 0x200000, P, 3 * P);
    assert.equal(f.inode.bindingCount, 3);
  });
});
