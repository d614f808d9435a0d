import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { fixture } from './fixtures.js';

const P = 4096;
const GMEM = KVM_MEM_GUEST_MEMFD;

describe('KVM_SET_USER_MEMORY_REGION2: sanity checks in order', () => {
  it('slot ids at or above KVM_USER_MEM_SLOTS are EINVAL, before the flags are looked at', () => {
    using f = fixture();
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 32764, flags: 0x80, guestPhysAddr: 0, memorySize: P }), 'EINVAL');
    const err = expectCode(() => f.vm.setUserMemoryRegion2({ slot: 32764, guestPhysAddr: 0, memorySize: P }), 'EINVAL');
    assert.match(err.message, /KVM_USER_MEM_SLOTS/);
    f.vm.setUserMemoryRegion2({ slot: 32763, guestPhysAddr: 0, memorySize: P });
  });
  it('address space 1 (SMM) exists for a DEFAULT VM but not for a VM with private memory', () => {
    using d = fixture();
    d.vm.setUserMemoryRegion2({ slot: 0x10000, guestPhysAddr: 0, memorySize: P });
    d.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: P }); // Overlap is per address space.
    using s = fixture({ type: 'KVM_X86_SW_PROTECTED_VM', flags: 0n });
    expectCode(() => s.vm.setUserMemoryRegion2({ slot: 0x10000, guestPhysAddr: 0, memorySize: P }), 'EINVAL');
  });
  it('checks flags, then size, gpa and user address alignment, in that order (the reason tells which)', () => {
    using f = fixture({ rawAddresses: true });
    const reason = (region: Parameters<typeof f.vm.setUserMemoryRegion2>[0]) => expectCode(() => f.vm.setUserMemoryRegion2(region), 'EINVAL').reason!;
    assert.match(reason({ slot: 0, flags: 0x80, guestPhysAddr: 1, memorySize: 1, userspaceAddr: 1 }), /flags/);
    assert.match(reason({ slot: 0, guestPhysAddr: 1, memorySize: 1, userspaceAddr: 1 }), /memory_size/);
    assert.match(reason({ slot: 0, guestPhysAddr: 1, memorySize: P, userspaceAddr: 1 }), /guest_phys_addr/);
    assert.match(reason({ slot: 0, guestPhysAddr: 0, memorySize: P, userspaceAddr: 1 }), /userspace_addr/);
    assert.match(reason({ slot: 0x10000 * 3, guestPhysAddr: 0xffff_ffff_ffff_f000n, memorySize: 2 * P }), /address space 3/);
    assert.match(reason({ slot: 0, guestPhysAddr: 0xffff_ffff_ffff_f000n, memorySize: 2 * P }), /wraps/);
  });

  it('unaligned sizes and addresses, wrapping ranges and user ranges past USER_PTR_MAX are EINVAL', () => {
    using f = fixture({ rawAddresses: true });
    const r = { slot: 0, guestPhysAddr: 0, memorySize: P };
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, memorySize: P + 1 }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, guestPhysAddr: 1 }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, userspaceAddr: 1 }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, userspaceAddr: (1n << 47n) - 4096n }), 'EINVAL');
    f.vm.setUserMemoryRegion2({ ...r, userspaceAddr: (1n << 47n) - 8192n }); // Ends exactly at TASK_SIZE_MAX.
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, slot: 1, guestPhysAddr: 0xffff_ffff_ffff_f000n }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, slot: 1, memorySize: 1n << 43n, guestPhysAddr: 1n << 44n }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, slot: 1, flags: GMEM, guestMemfd: f.file, guestMemfdOffset: 0xffff_ffff_ffff_f000n, guestPhysAddr: P }), 'EINVAL');
  });
  it('a slot must end below the highest mappable guest frame', () => {
    using f = fixture();
    f.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: (1n << 52n) - 4096n, memorySize: P });
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 1, guestPhysAddr: 1n << 52n, memorySize: P }), 'EINVAL');
  });
  it('deleting a slot that does not exist is EINVAL; deletion ignores the guest_memfd', () => {
    using f = fixture();
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 3, guestPhysAddr: 0, memorySize: 0 }), 'EINVAL');
    f.vm.setUserMemoryRegion2({ slot: 3, flags: GMEM, guestPhysAddr: 0, memorySize: P, guestMemfd: f.file });
    f.vm.setUserMemoryRegion2({ slot: 3, flags: GMEM, guestPhysAddr: 0, memorySize: 0, guestMemfd: 12345 });
    assert.equal(f.vmState.slots.size, 0);
  });
});

describe('KVM_SET_USER_MEMORY_REGION2: existing slots', () => {
  it('guest_memfd slots are immutable: re-issuing, moving or dropping GUEST_MEMFD is EINVAL', () => {
    using f = fixture();
    const r = { slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: P, guestMemfd: f.file };
    f.vm.setUserMemoryRegion2(r);
    expectCode(() => f.vm.setUserMemoryRegion2(r), 'EINVAL', 'identical re-issue');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, guestPhysAddr: P }), 'EINVAL', 'move');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, flags: 0 }), 'EINVAL', 'toggle GUEST_MEMFD off');
  });
  it('ordinary slots can move and change dirty logging; not size, address or READONLY; a no-op succeeds', () => {
    using f = fixture({ rawAddresses: true });
    const r = { slot: 0, guestPhysAddr: 0, memorySize: 2 * P, userspaceAddr: 0x10000 };
    f.vm.setUserMemoryRegion2(r);
    f.vm.setUserMemoryRegion2(r);
    f.vm.setUserMemoryRegion2({ ...r, flags: KVM_MEM_LOG_DIRTY_PAGES });
    f.vm.setUserMemoryRegion2({ ...r, flags: KVM_MEM_LOG_DIRTY_PAGES, guestPhysAddr: 16 * P });
    assert.equal(f.vmState.slots.get(0)?.baseGfn, 16);
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, memorySize: P }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, userspaceAddr: 0x20000 }), 'EINVAL');
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, flags: KVM_MEM_READONLY }), 'EINVAL');
    f.vm.setUserMemoryRegion2({ slot: 1, guestPhysAddr: 0, memorySize: P });
    expectCode(() => f.vm.setUserMemoryRegion2({ ...r, flags: KVM_MEM_LOG_DIRTY_PAGES, guestPhysAddr: 0 }), 'EEXIST', 'move onto slot 1');
  });
});

describe('KVM_SET_USER_MEMORY_REGION2: binding a guest_memfd', () => {
  it('disjoint ranges of one file bind to several slots; an overlapping file range is EINVAL', () => {
    using f = fixture({ size: 4 * P });
    const bind = (slot: number, gpa: number, size: number, offset: number) =>
      f.vm.setUserMemoryRegion2({ slot, flags: GMEM, guestPhysAddr: gpa, memorySize: size, guestMemfd: f.file, guestMemfdOffset: offset });
    bind(0, 0, 2 * P, 0);
    bind(1, 0x100000, P, 2 * P);
    expectCode(() => bind(2, 0x200000, 2 * P, P), 'EINVAL', 'overlaps slot 0 in the file');
    bind(2, 0x200000, P, 3 * P);
    expectCode(() => bind(3, 0x300000, P, 4 * P), 'EINVAL', 'past the end of the file');
    expectCode(() => bind(3, 0x300000, P, Number.MAX_SAFE_INTEGER - 4095), 'EINVAL');
    assert.equal(f.inode.bindingCount, 3);
  });
  it('an offset at or above 2^63 is EINVAL (negative as a loff_t)', () => {
    using f = fixture();
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: P, guestMemfd: f.file, guestMemfdOffset: 1n << 63n }), 'EINVAL');
  });
  it('a descriptor number that is not open is EBADF; the old ioctl refuses GUEST_MEMFD', () => {
    using f = fixture();
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: P, guestMemfd: 999 }), 'EBADF');
    expectCode(() => f.vm.setUserMemoryRegion({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: P }), 'EINVAL');
  });
  it('deleting a slot frees its file range for another slot', () => {
    using f = fixture();
    const bind = (slot: number, gpa: number) => f.vm.setUserMemoryRegion2({ slot, flags: GMEM, guestPhysAddr: gpa, memorySize: P, guestMemfd: f.file });
    bind(0, 0);
    expectCode(() => bind(1, 0x100000), 'EINVAL');
    f.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: 0 });
    bind(1, 0x100000);
  });
});
