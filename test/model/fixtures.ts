/** Small builders for model tests. */
import { ModelKvm } from '../../src/model/kvm.js';
import type { ModelVm } from '../../src/model/vm.js';
import type { ModelGuestMemfd } from '../../src/model/guestMemfd/handle.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import type { VmTypeInput } from '../../src/api.js';

export const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
export const MMAP = GUEST_MEMFD_FLAG_MMAP;

export interface Fixture {
  kvm: ModelKvm;
  vm: ModelVm;
  file: ModelGuestMemfd;
  [Symbol.dispose](): void;
}

/** A model Kvm, a VM and one guest_memfd, all closed on dispose. */
export function fixture(opts: { size?: number | bigint; flags?: bigint; type?: VmTypeInput } = {}): Fixture {
  const kvm = new ModelKvm('linux-6.18');
  const vm = kvm.createVm(opts.type ?? 0) as unknown as ModelVm;
  const file = vm.createGuestMemfd({ size: opts.size ?? 4 * 4096, flags: opts.flags ?? SHARED }) as unknown as ModelGuestMemfd;
  return {
    kvm,
    vm,
    file,
    [Symbol.dispose]() {
      file.close();
      vm.close();
      kvm.close();
    },
  };
}
