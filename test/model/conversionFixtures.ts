/** A VM with private memory on the `inplace` profile, one guest_memfd bound at GPA_BASE, and a host mapping. */
import { openModel } from '../../src/open.js';
import type { AccessKind, GuestMemfd, GuestResult, HostMapping, Kvm, Vm } from '../../src/api.js';
import { modelInode, modelVmState } from '../../src/model/inspect.js';
import type { GmemInode } from '../../src/model/guestMemfd/inode.js';
import type { VmState } from '../../src/model/vmState.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, KVM_MEM_GUEST_MEMFD } from '../../src/uapi/flags.js';
import type { VmTypeName } from '../../src/uapi/vmTypes.js';

export const P = 4096;
export const GPA_BASE = 1n << 32n;

export interface ConversionWorld {
  kvm: Kvm;
  vm: Vm;
  file: GuestMemfd;
  /** The model's state behind vm and file. */
  vmState: VmState;
  inode: GmemInode;
  map: HostMapping;
  /** First byte of page i as the guest sees it (or the exit). */
  guestRead(page: number, kind?: AccessKind): GuestResult<Uint8Array>;
  guestWrite(page: number, value: number, kind?: AccessKind): GuestResult<undefined>;
  hostRead(page: number): number;
  hostWrite(page: number, value: number): void;
  [Symbol.dispose](): void;
}

export function conversionWorld(opts: { pages?: number; shared?: boolean; type?: VmTypeName; profile?: string } = {}): ConversionWorld {
  const pages = opts.pages ?? 4;
  const kvm = openModel(opts.profile ?? 'inplace');
  const vm = kvm.createVm(opts.type ?? 'KVM_X86_SW_PROTECTED_VM');
  const flags = GUEST_MEMFD_FLAG_MMAP | (opts.shared ? GUEST_MEMFD_FLAG_INIT_SHARED : 0n);
  const file = vm.createGuestMemfd({ size: pages * P, flags });
  vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: GPA_BASE, memorySize: pages * P, guestMemfd: file });
  const map = file.mmap();
  const gpa = (page: number) => GPA_BASE + BigInt(page * P);
  return {
    kvm,
    vm,
    file,
    vmState: modelVmState(vm)!,
    inode: modelInode(file)!,
    map,
    guestRead: (page, kind) => vm.guest.read(gpa(page), P, kind ? { kind } : {}),
    guestWrite: (page, value, kind) => vm.guest.write(gpa(page), new Uint8Array(P).fill(value), kind ? { kind } : {}),
    hostRead: (page) => map.read(page * P, 1)[0]!,
    hostWrite: (page, value) => map.fill(page * P, P, value),
    [Symbol.dispose]() {
      map.unmap();
      file.close();
      vm.close();
      kvm.close();
    },
  };
}
