/**
 * What a scenario cannot say about the model's lifetimes: descriptor numbering in the model's
 * process, the model's own objects going away (VM state, inode, page store), `using`, handles of
 * another Kvm, and openKvm's defaults. The kernel-visible rules are catalog scenarios:
 * catalog/lifetime/*.json (closed handles answer EBADF, close and unmap twice are fine, a file keeps
 * its VM, a mapping its file, a bound file's slot stays and can be deleted),
 * catalog/guest/vm_attributes_backing.json (a slot that lost its file is a memory fault), and
 * catalog/memslot/binding_rules.json (EEXIST before EBADF).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openKvm, openModel } from '../../src/open.js';
import { KVM_MEM_GUEST_MEMFD } from '../../src/uapi/flags.js';
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

describe('lifetimes (model internals)', () => {
  it('the VM lives until its last guest_memfd is closed, after its own fd is closed', () => {
    using kvm = openModel();
    const vm = kvm.createVm();
    const file = vm.createGuestMemfd({ size: 4 * P, flags: SHARED });
    vm.close();
    assert.equal(modelVmState(vm)!.destroyed, false);
    const map = file.mmap();
    file.close();
    assert.equal(modelVmState(vm)!.destroyed, false, 'the mapping still holds the file, which holds the VM');
    map.unmap();
    assert.equal(modelVmState(vm)!.destroyed, true);
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
  it('openKvm gives the model by default and refuses an unknown backend or profile', () => {
    using kvm = openKvm();
    assert.equal(kvm.backend, 'model');
    assert.equal(kvm.profile, 'linux-6.18');
    assert.throws(() => openKvm({ backend: 'qemu' as 'model' }), RangeError);
    assert.throws(() => openKvm({ profile: 'linux-9.99' }), /unknown profile/);
  });
});
