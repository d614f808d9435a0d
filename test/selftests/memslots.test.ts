/**
 * The guest_memfd checks of the upstream set_memory_region selftest (docs/kernel-behaviour.md#upstream-selftests),
 * on every VM type the backend offers that can bind a guest_memfd.
 */
import { describe, it } from 'node:test';
import type { Vm } from '../../src/api.js';
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from '../../src/uapi/flags.js';
import { PAGE_SIZE } from '../../src/uapi/memory.js';
import { backendCases, offeredVmTypes } from '../backends.js';
import { expectCode } from '../helpers.js';

const REGION_SIZE = 0x200000; // 2 MiB, as upstream.
const REGION_GPA = 0xc0000000n;
const SLOT = 10;


/** Flags this VM accepts on a memslot: dirty logging, read-only where offered, guest_memfd where offered. */
function supportedSlotFlags(vm: Vm): number {
  let flags = KVM_MEM_LOG_DIRTY_PAGES;
  if (vm.checkExtension('KVM_CAP_READONLY_MEM')) flags |= KVM_MEM_READONLY;
  if (vm.checkExtension('KVM_CAP_GUEST_MEMFD')) flags |= KVM_MEM_GUEST_MEMFD;
  return flags;
}

for (const backend of backendCases()) {
  describe(`set_memory_region selftest [${backend.label}]`, { skip: backend.skip }, () => {
    const probeKvm = backend.skip ? undefined : backend.open();
    const vmTypes = probeKvm ? offeredVmTypes(probeKvm) : [];
    probeKvm?.close();

    for (const [typeName, type] of vmTypes) {
      describe(typeName, () => {
        it('invalid_memory_region_flags: unsupported and v2-only flags are EINVAL through both ioctls', () => {
          using kvm = backend.open();
          using vm = kvm.createVm(type);
          const supported = supportedSlotFlags(vm);
          for (let bit = 0; bit < 32; bit++) {
            const flag = (1 << bit) >>> 0;
            if (supported & flag && flag !== KVM_MEM_GUEST_MEMFD) continue;
            expectCode(() => vm.setUserMemoryRegion({ slot: 0, flags: flag, guestPhysAddr: 0, memorySize: REGION_SIZE, userspaceAddr: 0 }), 'EINVAL', `v1 flag bit ${bit}`);
            if (supported & flag) continue;
            expectCode(() => vm.setUserMemoryRegion2({ slot: 0, flags: flag, guestPhysAddr: 0, memorySize: REGION_SIZE, userspaceAddr: 0 }), 'EINVAL', `v2 flag bit ${bit}`);
          }
          if (supported & KVM_MEM_GUEST_MEMFD) {
            using file = vm.createGuestMemfd({ size: REGION_SIZE });
            for (const extra of [KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY]) {
              expectCode(
                () => vm.setUserMemoryRegion2({ slot: 0, flags: extra | KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0, memorySize: REGION_SIZE, guestMemfd: file, guestMemfdOffset: 0 }),
                'EINVAL',
                `GUEST_MEMFD with 0x${extra.toString(16)}`,
              );
            }
          }
        });

        it('add_private_memory_region: only this VM\'s guest_memfd binds, at page-aligned offsets', (t) => {
          using kvm = backend.open();
          using vm = kvm.createVm(type);
          if (!vm.checkExtension('KVM_CAP_GUEST_MEMFD')) return t.skip(`${typeName} cannot bind a guest_memfd`);
          const bind = (target: Vm, guestMemfd: number | { fd: number; closed: boolean; close(): void; [Symbol.dispose](): void }, offset = 0) =>
            target.setUserMemoryRegion2({ slot: SLOT, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: REGION_GPA, memorySize: REGION_SIZE, guestMemfd, guestMemfdOffset: offset });

          expectCode(() => bind(vm, kvm), 'EINVAL', 'the /dev/kvm fd');
          expectCode(() => bind(vm, vm), 'EINVAL', "the VM's own fd");
          const memfd = kvm.memfdCreate('regular');
          expectCode(() => bind(vm, memfd), 'EINVAL', 'a regular memfd');
          memfd.close();

          using vm2 = kvm.createVm(type);
          const foreign = vm2.createGuestMemfd({ size: REGION_SIZE });
          expectCode(() => bind(vm, foreign), 'EINVAL', "another VM's guest_memfd");
          bind(vm2, foreign); // It binds fine to its own VM.
          foreign.close();

          using file = vm.createGuestMemfd({ size: REGION_SIZE });
          for (let offset = 1; offset < PAGE_SIZE; offset++) expectCode(() => bind(vm, file, offset), 'EINVAL', `offset ${offset}`);
          bind(vm, file, 0);
        });

        it('add_overlapping_private_memory_regions: re-creating a slot over half of another is EEXIST', (t) => {
          using kvm = backend.open();
          using vm = kvm.createVm(type);
          if (!vm.checkExtension('KVM_CAP_GUEST_MEMFD')) return t.skip(`${typeName} cannot bind a guest_memfd`);
          using file = vm.createGuestMemfd({ size: REGION_SIZE * 4 });
          const region = (slot: number, gpa: bigint, size: number, offset: number) =>
            vm.setUserMemoryRegion2({ slot, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: gpa, memorySize: size, guestMemfd: file, guestMemfdOffset: offset });
          region(SLOT, REGION_GPA, REGION_SIZE * 2, 0);
          region(SLOT + 1, REGION_GPA * 2n, REGION_SIZE * 2, REGION_SIZE * 2);
          // Delete the first slot; deletion ignores the guest_memfd (upstream passes -1).
          vm.setUserMemoryRegion2({ slot: SLOT, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: REGION_GPA, memorySize: 0, guestMemfd: 0xffffffff, guestMemfdOffset: 0 });
          expectCode(() => region(SLOT, REGION_GPA * 2n - BigInt(REGION_SIZE), REGION_SIZE * 2, 0), 'EEXIST', 'front half');
          expectCode(() => region(SLOT, REGION_GPA * 2n + BigInt(REGION_SIZE), REGION_SIZE * 2, 0), 'EEXIST', 'back half');
        });
      });
    }
  });
}
