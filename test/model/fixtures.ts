/** Small builders for model tests. */
import { openModel } from '../../src/open.js';
import { modelInode, modelVmState } from '../../src/model/inspect.js';
import type { GmemInode } from '../../src/model/guestMemfd/inode.js';
import type { VmState } from '../../src/model/vmState.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import type { GuestMemfd, Kvm, Vm, VmTypeInput } from '../../src/api.js';

export const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
export const MMAP = GUEST_MEMFD_FLAG_MMAP;

export interface Fixture {
  kvm: Kvm;
  vm: Vm;
  file: GuestMemfd;
  /** The model's state behind vm and file. */
  vmState: VmState;
  inode: GmemInode;
  [Symbol.dispose](): void;
}

/** A model Kvm, a VM and one guest_memfd, all closed on dispose. */
export function fixture(opts: { size?: number | bigint; flags?: bigint; type?: VmTypeInput; rawAddresses?: boolean } = {}): Fixture {
  // rawAddresses: the model's own checks of userspace_addr need addresses no mapping holds.
  const kvm = openModel('linux-6.18', { unsafeRawAddresses: opts.rawAddresses === true });
  const vm = kvm.createVm(opts.type ?? 0);
  const file = vm.createGuestMemfd({ size: opts.size ?? 4 * 4096, flags: opts.flags ?? SHARED });
  return {
    kvm,
    vm,
    file,
    vmState: modelVmState(vm)!,
    inode: modelInode(file)!,
    [Symbol.dispose]() {
      file.close();
      vm.close();
      kvm.close();
    },
  };
}
