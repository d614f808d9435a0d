/**
 * A memslot reaches only memory this library mapped and still has mapped (#17 item 1), on both
 * backends alike: userspaceAddr is a HostMapping, an address inside one, or 0; anything else is
 * refused (ERR_INVALID_ARG_VALUE) before the kernel is asked, unless the Kvm was opened with
 * unsafeRawAddresses. A mapping under a live slot is not given back by unmap(): it stays
 * reserved and inaccessible until the slot is deleted (or the VM closed), so nothing else can
 * be mapped under the slot.
 */
import { isKvmError } from '../../src/errors.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { HostMapping, Kvm } from '../../src/api.js';
import { isArgumentError } from '../../src/args.js';
import { modelProcessCounts } from '../../src/model/inspect.js';
import { openKvm } from '../../src/open.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { runInstance } from '../../src/scenario/runner.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { backendCases, kernelCase, modelCase } from '../backends.js';
import { expectCode } from '../helpers.js';

const P = 4096;
const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
const GPA = 1n << 32n;

const refused = (err: unknown): boolean => isArgumentError(err) && err.code === 'ERR_INVALID_ARG_VALUE' && /not inside a live mapping/.test(err.message);

/** Whether the process still has something mapped at the mapping's address (the model: its own process). */
function stillMapped(kvm: Kvm, map: HostMapping, liveBefore: number | undefined): boolean {
  const counts = modelProcessCounts(kvm);
  if (counts) return counts.liveMappings === liveBefore;
  const start = map.address.toString(16);
  return readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => l.startsWith(`${start}-`));
}

/** The protection /proc/self/maps shows for the mapping (kernel only). */
function procProt(map: HostMapping): string | undefined {
  const line = readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => l.startsWith(`${map.address.toString(16)}-`));
  return line?.split(' ')[1];
}

for (const backend of backendCases()) {
  describe(`memslots reach only this library's live mappings [${backend.label}]`, { skip: backend.skip }, () => {
    it('a raw address outside every mapping is refused, and nothing changes', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 4 * P, flags: SHARED });
      using map = file.mmap();
      for (const userspaceAddr of [0x1000, (1n << 47n) - 8192n, map.address + 4n * BigInt(P), map.address - BigInt(P)]) {
        assert.throws(() => vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: P, userspaceAddr }), refused);
      }
      // A slot that starts inside the mapping but runs past its end is refused too.
      assert.throws(() => vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 2 * P, userspaceAddr: map.address + 3n * BigInt(P) }), refused);
      // Nothing was made: the slot id is still free, and the guest sees no memory there.
      const r = vm.guest.read(GPA, 1);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.exit.reason, 'KVM_EXIT_MMIO');
    });

    it('a HostMapping, an address inside one, or 0 is accepted', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 4 * P, flags: SHARED });
      const map = file.mmap();
      map.fill(0, 4 * P, 0x3c);
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 2 * P, userspaceAddr: map });
      vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA * 2n, memorySize: 2 * P, userspaceAddr: map.address + 2n * BigInt(P) });
      vm.setUserMemoryRegion({ slot: 2, guestPhysAddr: GPA * 3n, memorySize: P, userspaceAddr: 0 });
      const r = vm.guest.read(GPA * 2n, 2);
      assert.deepEqual(r.ok && [...r.value], [0x3c, 0x3c]);
      for (const slot of [0, 1, 2]) vm.setUserMemoryRegion({ slot, guestPhysAddr: 0, memorySize: 0 });
      map.unmap();
    });

    it('unmap() under a live slot leaves an inaccessible reservation until the slot is deleted', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 2 * P, flags: SHARED });
      const live = modelProcessCounts(kvm)?.liveMappings;
      const map = file.mmap();
      map.fill(0, 2 * P, 0x77);
      const liveWithMap = modelProcessCounts(kvm)?.liveMappings;
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 2 * P, userspaceAddr: map });
      map.unmap();
      assert.equal(map.mapped, false);
      expectCode(() => map.read(0, 1), 'EBADF');
      assert.equal(stillMapped(kvm, map, liveWithMap), true, 'the range stays reserved');
      if (!modelProcessCounts(kvm)) assert.equal(procProt(map), '---s', 'and inaccessible');
      // Upstream KVM_RUN fails with EFAULT (the error-pfn path); this host's kernel exits MMIO.
      let reached: boolean;
      try {
        reached = vm.guest.read(GPA, 1).ok;
      } catch (err) {
        if (!isKvmError(err, 'EFAULT')) throw err;
        reached = false;
      }
      assert.equal(reached, false, 'the guest no longer reaches the old contents');
      // The reserved range cannot back a new slot.
      assert.throws(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA * 2n, memorySize: P, userspaceAddr: map.address }), refused);
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: 0 });
      assert.equal(stillMapped(kvm, map, live === undefined ? undefined : live + 1), false, 'deleting the slot gives the range back');
    });

    it('closing the VM deletes its slots over mappings and gives reserved mappings back', () => {
      using kvm = backend.open();
      const vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: P, flags: SHARED });
      const live = modelProcessCounts(kvm)?.liveMappings;
      const map = file.mmap();
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: P, userspaceAddr: map });
      map.unmap();
      vm.close();
      assert.equal(stillMapped(kvm, map, live === undefined ? undefined : live + 1), false);
    });

    it('unsafeRawAddresses lets a raw address through (for tests of the kernel\'s own checks)', () => {
      using kvm = openKvm({ backend: backend.backend, unsafeRawAddresses: true });
      using vm = kvm.createVm();
      vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: GPA, memorySize: P, userspaceAddr: (1n << 47n) - 8192n });
      expectCode(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA * 2n, memorySize: P, userspaceAddr: 1 }), 'EINVAL');
    });

    it('a raw range no mapping can ever occupy (at or past TASK_SIZE_MAX) needs no escape hatch: the kernel\'s own checks answer', () => {
      using kvm = openKvm({ backend: backend.backend });
      using vm = kvm.createVm();
      expectCode(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA, memorySize: P, userspaceAddr: (1n << 47n) - 4096n }), 'EINVAL');
      expectCode(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA, memorySize: P, userspaceAddr: (1n << 64n) - 4096n }), 'EINVAL');
      assert.throws(() => vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: GPA, memorySize: P, userspaceAddr: (1n << 47n) - 8192n }), /not inside a live mapping/);
    });
  });
}

describe('scenarios cannot name raw addresses that memory could occupy', () => {
  const scenario = (userspaceAddr: unknown) => ({
    name: 't.raw',
    description: 'a slot at a raw address',
    source: 'test',
    steps: [{ do: 'createVm', as: 'vm' }, { do: 'setUserMemoryRegion', vm: 'vm', slot: 0, guestPhysAddr: 0, memorySize: 4096, userspaceAddr }],
  });
  it('a reachable raw address is refused when the scenario is loaded; 0 and ranges no mapping can occupy are fine', () => {
    for (const raw of ['0x7fffffffe000', '2^40', 65536]) assert.throws(() => scenarioInstances(scenario(raw)), /userspaceAddr is 0, \{"mappingOf"/);
    for (const fine of [0, '0x7ffffffff000', '2^64-4096']) assert.equal(scenarioInstances(scenario(fine)).length, 1);
  });
  describe('mappingOf plus past the mapping is refused alike on both backends, whatever lies there (fuzz finding 17)', () => {
    // Two one-page mappings side by side in the model's process (top-down): A's end is B's start.
    // Before, the model took {mappingOf: A, plus: 4096} as B's memory while a real process, with
    // something else right below B, refused it.
    const steps = [
      { do: 'createVm', as: 'vm' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 16384, flags: 3 },
      { do: 'mmap', file: 'f', as: 'b', length: 4096 },
      { do: 'mmap', file: 'f', as: 'a', length: 4096 },
      { do: 'setUserMemoryRegion', vm: 'vm', slot: 0, guestPhysAddr: 0, memorySize: 4096, userspaceAddr: { mappingOf: 'a', plus: 4096 } },
      { do: 'setUserMemoryRegion', vm: 'vm', slot: 1, guestPhysAddr: 8192, memorySize: 4096, userspaceAddr: { mappingOf: 'a', plus: 0 } },
    ];
    const [instance] = scenarioInstances({ name: 't.past', description: 'a slot past its mapping', source: 'test', steps });
    for (const backend of [modelCase(), kernelCase()]) {
      it(backend.label, { skip: backend.skip }, () => {
        using kvm = backend.open();
        const report = runInstance(kvm, instance!);
        const past = report.steps[4]!.outcome;
        assert.ok('notRun' in past && /plus: 4096 is not inside mapping "a" \(4096 bytes\)/.test(past.notRun), `${backend.label}: ${JSON.stringify(past)}`);
        assert.deepEqual(report.steps[5]!.outcome, { ok: true }, `${backend.label}: inside the mapping is fine`);
      });
    }
  });
  it('openKvm checks unsafeRawAddresses is a boolean', () => {
    assert.throws(() => openKvm({ unsafeRawAddresses: 'yes' as never }), (err: unknown) => isArgumentError(err) && err.code === 'ERR_INVALID_ARG_TYPE');
  });
});
