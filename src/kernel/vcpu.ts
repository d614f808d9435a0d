/** A vCPU on the kernel backend: registers, a bounded KVM_RUN, and decoded exits. */
import type { Regs, Sregs, VcpuExit } from '../api.js';
import type { VcpuBackend } from '../handles/backend.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../uapi/flags.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { VCPU_STRUCT_SIZES, kvm_run_exits as X } from '../uapi/vcpu.js';
import { KernelDescriptor } from './descriptor.js';
import { decodeExit } from './exits.js';
import type { KvmDevice } from './kvmDevice.js';
import type { NativeAddon } from './native.js';
import type { VmHold } from './vmHold.js';
import { decodeRegs, decodeSregs, encodeRegs, encodeSregs } from './regs.js';
import { check } from './sys.js';

const I = KVM_IOCTLS.byName;

export class KernelVcpu extends KernelDescriptor implements VcpuBackend {
  private readonly run_: bigint;

  /**
   * `device`: /dev/kvm (KVM_SET_CPUID2 takes what it supports), held until this vCPU closes.
   * `caller`, for a vCPU the caller made (not the guest program's): what must happen before each
   * KVM_RUN (the VM hides its guest program's memslot), and the VM's count of what holds it.
   */
  constructor(
    native: NativeAddon,
    fd: number,
    readonly id: number,
    private readonly device: KvmDevice,
    private readonly runSize: number,
    private readonly caller?: { beforeRun: () => void; vmHold: VmHold },
  ) {
    super(native, fd);
    try {
      this.run_ = check<bigint>(native.mmap(BigInt(runSize), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0n));
    } catch (err) {
      native.close(fd);
      throw err;
    }
    device.get();
    caller?.vmHold.get();
  }

  getRegs(): Regs {
    const buf = new Uint8Array(VCPU_STRUCT_SIZES.kvm_regs);
    check(this.native.ioctlBuffer(this.fd, I.KVM_GET_REGS, buf));
    return decodeRegs(buf);
  }

  setRegs(regs: Regs): void {
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_REGS, encodeRegs(regs)));
  }

  getSregs(): Sregs {
    const buf = new Uint8Array(VCPU_STRUCT_SIZES.kvm_sregs);
    check(this.native.ioctlBuffer(this.fd, I.KVM_GET_SREGS, buf));
    return decodeSregs(buf);
  }

  setSregs(sregs: Sregs): void {
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_SREGS, encodeSregs(sregs)));
  }

  setupCpuid(): void {
    check(this.native.setCpuid(this.fd, this.device.supportedCpuid()));
  }

  run(timeoutMs: number): VcpuExit {
    this.caller?.beforeRun();
    const r = this.native.runVcpu(this.fd, this.run_, timeoutMs);
    if (r === 1) return { reason: 'timeout', timeoutMs };
    const exit = decodeExit(this.native, this.run_, r < 0 ? -r : 0);
    // KVM_RUN fails with the memory-fault exit filled in; any other failure is an error.
    if (r < 0 && exit.reason !== 'KVM_EXIT_MEMORY_FAULT') check(r);
    return exit;
  }

  completeIo(exit: VcpuExit, data: Uint8Array): void {
    if (exit.reason === 'KVM_EXIT_IO') {
      const head = new Uint8Array(48);
      this.native.guardedRead(this.run_, head);
      const dataOffset = new DataView(head.buffer).getBigUint64(X.io.dataOffset, true);
      this.native.guardedWrite(this.run_ + dataOffset, data);
    } else {
      this.native.guardedWrite(this.run_ + BigInt(X.mmio.data), data);
    }
  }

  override close(): void {
    this.native.munmap(this.run_, BigInt(this.runSize));
    super.close();
    this.device.put();
    this.caller?.vmHold.put();
  }
}
