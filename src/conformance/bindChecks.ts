/**
 * A loop the scenario format cannot say briefly: every guest_memfd offset from 1 to page-1 is
 * refused when binding (upstream set_memory_region_test.c, test_add_private_memory_region). On a
 * DEFAULT VM only: the alignment check comes before anything that depends on the VM type, and
 * catalog/memslot/add_private_memory_region.json checks offsets 1, 2048 and 4095 on every type.
 * (4095 refused calls cost about 70 ms on the model, and the catalog runs under every profile.)
 */
import type { Kvm } from '../api.js';
import { isKvmError } from '../errors.js';
import { KVM_MEM_GUEST_MEMFD } from '../uapi/flags.js';
import { PAGE_SIZE } from '../uapi/memory.js';
import type { VmTypeName } from '../uapi/vmTypes.js';
import type { CodeCheck } from './codeChecks.js';

const VM_TYPES: VmTypeName[] = ['KVM_X86_DEFAULT_VM'];
const REGION = 0x200000; // 2 MiB, as upstream.

function run(kvm: Kvm, type: VmTypeName): string | undefined {
  const vm = kvm.createVm(type);
  try {
    const file = vm.createGuestMemfd({ size: REGION });
    try {
      for (let offset = 1; offset < PAGE_SIZE; offset++) {
        let got = 'ok';
        try {
          vm.setUserMemoryRegion2({ slot: 10, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0xc0000000n, memorySize: REGION, guestMemfd: file, guestMemfdOffset: offset });
        } catch (err) {
          if (!isKvmError(err)) throw err;
          got = err.code;
        }
        if (got !== 'EINVAL') return `offset ${offset}: expected EINVAL, got ${got}`;
      }
      return undefined;
    } finally {
      file.close();
    }
  } finally {
    vm.close();
  }
}

export function bindChecks(): CodeCheck[] {
  return VM_TYPES.map((type) => ({
    id: `memslot.bind_unaligned_offsets[vmType=${type.replace(/^KVM_X86_/, '')}]`,
    description: 'Binding a guest_memfd at any offset from 1 to page-1 is EINVAL.',
    source: 'upstream tools/testing/selftests/kvm/set_memory_region_test.c; docs/kernel-behaviour.md#binding-a-guest_memfd-to-a-memslot',
    requires: { vmType: type },
    run: (kvm) => run(kvm, type),
  }));
}
