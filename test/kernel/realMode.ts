/** A one-vCPU VM in real mode running a few bytes of code at GPA 0x1000 (for the exit tests). */
import type { HostMapping, Kvm, Vcpu, Vm } from '../../src/api.js';

export const CODE_GPA = 0x1000;
const LOW_MEMORY = 0x10000;

export interface RealModeGuest {
  vm: Vm;
  vcpu: Vcpu;
  /** The host's view of guest memory [0, 64 KiB). */
  memory: HostMapping;
  [Symbol.dispose](): void;
}

/** Guest memory is a MMAP|INIT_SHARED guest_memfd, bound as an ordinary slot through its host mapping. */
export function realModeGuest(kvm: Kvm, code: Uint8Array): RealModeGuest {
  const vm = kvm.createVm(0);
  const file = vm.createGuestMemfd({ size: LOW_MEMORY, flags: 3n });
  const memory = file.mmap();
  memory.write(CODE_GPA, code);
  vm.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: LOW_MEMORY, userspaceAddr: memory.address });
  const vcpu = vm.createVcpu(0);
  const sregs = vcpu.getSregs();
  vcpu.setSregs({ cs: { ...sregs.cs, base: 0n, selector: 0 } });
  vcpu.setRegs({ rip: BigInt(CODE_GPA), rflags: 2n, rdx: 0n, rax: 0n, rbx: 0n });
  return {
    vm,
    vcpu,
    memory,
    [Symbol.dispose]() {
      vcpu.close();
      memory.unmap();
      file.close();
      vm.close();
    },
  };
}
