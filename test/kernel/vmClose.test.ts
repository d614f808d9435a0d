/**
 * Closing a kernel VM: its slots over host mappings are deleted first only when the VM outlives
 * its descriptor (a file, a mapping still in use or a vCPU holds it); a VM the close destroys
 * takes its slots with it, so no deletion (a memslot update, a grace period) is issued: also when
 * its only other holders are mappings unmap() kept reserved for those slots alone, which go
 * first. Either way the mappings under the slots are given back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { HostMapping, Vm } from '../../src/api.js';
import { kernelCase } from '../backends.js';
import { memslotCalls } from './memslotCalls.js';

const kernel = kernelCase();
const P = 4096n;

/** The caller-slot deletions (memorySize 0, slot ids below the guest program's) issued while `body` runs. */
const slotDeletions = (body: () => void): number[] => memslotCalls(body).filter((c) => c.slot < 32000 && c.memorySize === 0n).map((c) => c.slot);

/** Two slots, 0 and 1, over the two pages of `map`. */
function twoSlotsOver(vm: Vm, map: HostMapping): void {
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000n, memorySize: P, userspaceAddr: map });
  vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x20_0000n, memorySize: P, userspaceAddr: map.address + P });
}

const mapped = (map: HostMapping) => readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => l.startsWith(`${map.address.toString(16)}-`));

describe('closing a kernel VM with slots over mappings', { skip: kernel.skip }, () => {
  it('a VM the close destroys is not asked to delete its slots; the reserved mapping is given back', () => {
    using kvm = kernel.open();
    // The memory is another VM's file: its mapping holds that VM, not this one.
    using owner = kvm.createVm(0);
    using file = owner.createGuestMemfd({ size: 2n * P, flags: 3n });
    let map: HostMapping | undefined;
    const deleted = slotDeletions(() => {
      const vm = kvm.createVm(0);
      map = file.mmap();
      twoSlotsOver(vm, map);
      map.unmap(); // Reserved while the slots live.
      assert.equal(mapped(map), true);
      vm.close();
    });
    assert.deepEqual(deleted, []);
    assert.equal(mapped(map!), false);
  });

  it('a VM held only by its file\'s mapping, unmapped but reserved for its slots, is not asked to delete them', () => {
    using kvm = kernel.open();
    let map: HostMapping | undefined;
    const deleted = slotDeletions(() => {
      const vm = kvm.createVm(0);
      const file = vm.createGuestMemfd({ size: 2n * P, flags: 3n });
      map = file.mmap();
      twoSlotsOver(vm, map);
      assert.equal(vm.guest.read(0x10_0000n, 1).ok, true);
      map.unmap();
      file.close(); // The reserved mapping still holds the file, and the file the VM.
      vm.close();
    });
    assert.deepEqual(deleted, []);
    assert.equal(mapped(map!), false);
  });

  it('a VM whose file\'s mapping is still in use deletes its slots over it first', () => {
    using kvm = kernel.open();
    const deleted = slotDeletions(() => {
      const vm = kvm.createVm(0);
      const file = vm.createGuestMemfd({ size: P, flags: 3n });
      using map = file.mmap();
      vm.setUserMemoryRegion({ slot: 2, guestPhysAddr: 0x10_0000n, memorySize: P, userspaceAddr: map });
      file.close();
      vm.close();
      map.write(0, new Uint8Array([1]));
    });
    assert.deepEqual(deleted, [2]);
  });

  it('a VM a file keeps alive deletes its slots over mappings first', () => {
    using kvm = kernel.open();
    let map: HostMapping | undefined;
    const deleted = slotDeletions(() => {
      const vm = kvm.createVm(0);
      using file = vm.createGuestMemfd({ size: 2n * P, flags: 3n });
      map = file.mmap();
      twoSlotsOver(vm, map);
      map.unmap();
      vm.close();
    });
    assert.deepEqual(deleted.sort(), [0, 1]);
    assert.equal(mapped(map!), false);
  });

  it('a VM a vCPU keeps alive deletes its slots over mappings first', () => {
    using kvm = kernel.open();
    let map: HostMapping | undefined;
    const deleted = slotDeletions(() => {
      const vm = kvm.createVm(0);
      const file = vm.createGuestMemfd({ size: P, flags: 3n });
      map = file.mmap();
      vm.setUserMemoryRegion({ slot: 3, guestPhysAddr: 0x10_0000n, memorySize: P, userspaceAddr: map });
      map.unmap();
      file.close();
      using vcpu = vm.createVcpu(0);
      vm.close();
      assert.equal(vcpu.closed, false);
    });
    assert.deepEqual(deleted, [3]);
    assert.equal(mapped(map!), false);
  });
});
