/**
 * The kernel backend's guest program keeps its memslot between accesses: its page tables only
 * grow (so no translation KVM kept can go stale), and no caller ever meets the slot: not a
 * memslot ioctl over its range or id, not a caller's vCPU.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kvm } from '../../src/api.js';
import { GuestPageTables } from '../../src/kernel/guestProgram.js';
import { kernelCase } from '../backends.js';
import { memslotCalls } from './memslotCalls.js';
import { realModeGuest } from './realMode.js';

const MIB2 = 2n << 20n;

describe('the guest program page tables', () => {
  it('never rewrite an entry: each window is added once and found again', () => {
    const tables = new GuestPageTables(0x8000_0000n);
    const written = new Map<number, bigint>();
    const write = (entries: [number, bigint][]) => {
      for (const [offset, entry] of entries) {
        assert.ok(!written.has(offset), `entry at 0x${offset.toString(16)} written twice`);
        written.set(offset, entry);
      }
    };
    write(tables.initialEntries());
    let full = 0;
    for (let i = 0; i < 70_000; i++) {
      const gpa = BigInt(i % 3 === 0 ? i : i * 7919) * MIB2 + 0x123n;
      const w = tables.window(gpa);
      if (!w) {
        full = i;
        break;
      }
      write(w.entries);
      if (i % 1000 === 0) {
        // Found again: the same window, and nothing to write.
        const again = tables.window(gpa);
        assert.equal(again?.va, w.va, 'the same target keeps its window');
        assert.deepEqual(again?.entries, [], 'a window found again writes no entry');
      }
      assert.equal(w.va % MIB2, 0x123n, 'the offset inside the 2 MiB page is kept');
      assert.ok(w.va >= MIB2, 'VA 0 stays the code');
    }
    assert.ok(full > 60_000, `the directories hold many windows (${full})`);
    for (const offset of written.keys()) assert.ok(offset >= 0x1000 && offset < 0x100000, 'the tables lie between the code and the bounce buffer');
  });
});

const kernel = kernelCase();

describe('the guest program memslot stays out of the caller\'s way [kernel]', { skip: kernel.skip }, () => {
  it('reads through many windows, in any order, each see their own slot', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    const gpas = [0x10_0000n, 0x40_0000n, 1n << 32n, (1n << 32n) + MIB2, (1n << 30n) + MIB2];
    const made = gpas.map((gpa, k) => {
      const file = vm.createGuestMemfd({ size: 4096n, flags: 3n });
      const map = file.mmap();
      map.fill(0, 4096, 0x10 + k);
      vm.setUserMemoryRegion({ slot: k, guestPhysAddr: gpa, memorySize: 4096n, userspaceAddr: map.address });
      return { file, map };
    });
    for (let j = 0; j < 40; j++) {
      const k = (j * 7) % gpas.length;
      assert.deepEqual(vm.guest.read(gpas[k]!, 4), { ok: true, value: new Uint8Array(4).fill(0x10 + k) }, `read ${j} at 0x${gpas[k]!.toString(16)}`);
    }
    vm.close();
    for (const { file, map } of made) {
      map.unmap();
      file.close();
    }
  });

  it('a caller slot over the range and id the program used is accepted and read as the caller\'s', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    const file = vm.createGuestMemfd({ size: 4096n, flags: 3n });
    const map = file.mmap();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000n, memorySize: 4096n, userspaceAddr: map.address });
    assert.equal(vm.guest.read(0x10_0000n, 1).ok, true); // The program is installed now, somewhere from 2 GiB up.
    const big = vm.createGuestMemfd({ size: MIB2 * 4n, flags: 3n });
    const bigMap = big.mmap();
    bigMap.fill(0, Number(MIB2 * 4n), 0x5a);
    // 2..10 GiB in 2 MiB steps would all be its candidates: cover the first few with one slot,
    // and take the highest slot id it could use.
    vm.setUserMemoryRegion({ slot: 32763, guestPhysAddr: 0x8000_0000n, memorySize: MIB2 * 4n, userspaceAddr: bigMap.address });
    assert.deepEqual(vm.guest.read(0x8000_0000n, 2), { ok: true, value: Uint8Array.of(0x5a, 0x5a) });
    assert.deepEqual(vm.guest.read(0x8000_0000n + MIB2 * 4n - 1n, 1), { ok: true, value: Uint8Array.of(0x5a) });
    vm.close();
    bigMap.unmap();
    map.unmap();
    big.close();
    file.close();
  });

  it('a caller\'s vCPU finds no memory where the program\'s code was', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0x8a, 0x07, 0xf4)); // mov al,[bx]; hlt (DS base 2 GiB, BX 0)
    assert.equal(g.vm.guest.read(0x1000n, 1).ok, true); // Installs the program's memslot at 2 GiB.
    const ds = g.vcpu.getSregs().ds;
    g.vcpu.setSregs({ ds: { ...ds, base: 0x8000_0000n } });
    const exit = g.vcpu.run();
    assert.deepEqual(exit, { reason: 'KVM_EXIT_MMIO', gpa: 0x8000_0000n, length: 1, isWrite: false, data: new Uint8Array(0) });
  });
});

describe('closing a VM after guest accesses [kernel]', { skip: kernel.skip }, () => {
  /** The guest program's memslot ioctls (slot ids from 32000 up) issued while `body` runs: sizes. */
  const programSlotCalls = (body: () => void): bigint[] => memslotCalls(body).filter((c) => c.slot >= 32000).map((c) => c.memorySize);

  function vmWithAccess(kvm: Kvm) {
    const vm = kvm.createVm(0);
    const file = vm.createGuestMemfd({ size: 4096n, flags: 3n });
    const map = file.mmap();
    vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000n, memorySize: 4096n, userspaceAddr: map.address });
    assert.equal(vm.guest.read(0x10_0000n, 1).ok, true);
    return { vm, file, map };
  }

  it('deletes the program memslot first when a file keeps the VM alive', () => {
    using kvm = kernel.open();
    const sizes = programSlotCalls(() => {
      const { vm, file, map } = vmWithAccess(kvm);
      vm.close();
      map.unmap();
      file.close();
    });
    assert.deepEqual(sizes, [MIB2, 0n], 'installed once, deleted once');
  });

  it('leaves the program memslot to die with the VM when nothing else holds it', () => {
    using kvm = kernel.open();
    const sizes = programSlotCalls(() => {
      const { vm, file, map } = vmWithAccess(kvm);
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 0, userspaceAddr: 0 });
      map.unmap();
      file.close();
      vm.close();
    });
    assert.deepEqual(sizes, [MIB2], 'installed once, never deleted');
  });
});
