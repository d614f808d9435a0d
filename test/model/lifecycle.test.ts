import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openKvm, openModel } from '../../src/open.js';
import { KVM_MEM_GUEST_MEMFD } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { SHARED, fixture } from './fixtures.js';
import { modelInode, modelProcessCounts, modelVmState } from '../../src/model/inspect.js';

const P = 4096;

describe('descriptors', () => {
  it('are numbered from 3, lowest free first, as in a fresh process', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    const a = vm.createGuestMemfd({ size: P });
    const b = vm.createGuestMemfd({ size: P });
    assert.deepEqual([kvm.fd, vm.fd, a.fd, b.fd], [3, 4, 5, 6]);
    a.close();
    const c = vm.createGuestMemfd({ size: P });
    assert.equal(c.fd, 5);
    b.close();
    c.close();
    assert.equal(modelProcessCounts(kvm)!.openDescriptors, 5);
  });
  it('a closed handle answers EBADF to every call, and close is idempotent', () => {
    using f = fixture();
    f.file.close();
    f.file.close();
    expectCode(() => f.file.stat(), 'EBADF');
    expectCode(() => f.file.allocate(0, P), 'EBADF');
    expectCode(() => f.file.mmap(), 'EBADF');
    expectCode(() => f.file.read(1), 'EBADF');
    f.vm.close();
    expectCode(() => f.vm.createGuestMemfd({ size: P }), 'EBADF');
    expectCode(() => f.vm.checkExtension('KVM_CAP_GUEST_MEMFD'), 'EBADF');
    expectCode(() => f.vm.guest.read(0, 1), 'EBADF');
    f.kvm.close();
    expectCode(() => f.kvm.createVm(), 'EBADF');
    expectCode(() => f.kvm.getApiVersion(), 'EBADF');
  });
  it('Symbol.dispose closes', () => {
    const kvm = openModel();
    {
      using vm = kvm.createVm();
      assert.equal(modelProcessCounts(kvm)!.openDescriptors, 5);
      void vm;
    }
    assert.equal(modelProcessCounts(kvm)!.openDescriptors, 4);
    kvm.close();
  });
});

describe('lifetimes', () => {
  it('the VM lives until its last guest_memfd is closed, after its own fd is closed', () => {
    using kvm = openModel();
    const vm = kvm.createVm();
    const file = vm.createGuestMemfd({ size: 4 * P, flags: SHARED });
    vm.close();
    assert.equal(modelVmState(vm)!.destroyed, false);
    file.allocate(0, P);
    const map = file.mmap();
    map.write(0, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...map.read(0, 3)], [1, 2, 3]);
    file.close();
    assert.equal(modelVmState(vm)!.destroyed, false, 'the mapping still holds the file, which holds the VM');
    map.unmap();
    assert.equal(modelVmState(vm)!.destroyed, true);
  });
  it('a mapping keeps working after the descriptor is closed', () => {
    using f = fixture();
    const map = f.file.mmap();
    map.fill(0, P, 7);
    f.file.close();
    assert.equal(map.read(100, 1)[0], 7);
    map.unmap();
    expectCode(() => map.read(0, 1), 'EBADF');
    map.unmap();
  });
  it('closing a bound file keeps the slot; guest access then exits with a memory fault; the slot can still be deleted', () => {
    using f = fixture();
    f.vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0x100000, memorySize: 4 * P, guestMemfd: f.file });
    assert.ok(f.vm.guest.read(0x100000, 8).ok);
    f.file.close();
    const r = f.vm.guest.read(0x100008, 8);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: 0n, gpa: 0x100000n, size: 4096n });
    assert.equal(f.vmState.slots.size, 1);
    f.vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0x100000, memorySize: 0 });
    assert.equal(f.vmState.slots.size, 0);
  });
  it('a file is freed with its last reference: pages, bindings and the VM reference go', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    const file = vm.createGuestMemfd({ size: 4 * P, flags: SHARED });
    const inode = modelInode(file)!;
    const map = file.mmap();
    map.fill(0, 4 * P, 9);
    assert.equal(inode.contents.storedPages, 4);
    map.unmap();
    file.close();
    assert.equal(inode.released, true);
    assert.equal(inode.contents.storedPages, 0);
    assert.equal(modelProcessCounts(kvm)!.liveMappings, 0);
  });
});

describe('handles across Kvm instances', () => {
  it('a guest_memfd handle of another Kvm is a TypeError, not a bind', () => {
    using a = fixture();
    using b = fixture();
    assert.throws(
      () => a.vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0, memorySize: P, guestMemfd: b.file }),
      TypeError,
    );
    assert.equal(a.vmState.slots.size, 0);
  });
  it('a closed guest_memfd handle is EBADF at the binding step, after the overlap check', () => {
    using f = fixture();
    f.vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0, memorySize: P, guestMemfd: f.file });
    const other = f.vm.createGuestMemfd({ size: P });
    other.close();
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0, memorySize: P, guestMemfd: other }), 'EEXIST');
    expectCode(() => f.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: P, memorySize: P, guestMemfd: other }), 'EBADF');
  });
  it('openKvm gives the model by default and refuses an unknown backend or profile', () => {
    using kvm = openKvm();
    assert.equal(kvm.backend, 'model');
    assert.equal(kvm.profile, 'linux-6.18');
    assert.throws(() => openKvm({ backend: 'qemu' as 'model' }), RangeError);
    assert.throws(() => openKvm({ profile: 'linux-9.99' }), /unknown profile/);
  });
});
