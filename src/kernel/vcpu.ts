/** A vCPU on the kernel backend: registers, a bounded KVM_RUN, and decoded exits. */
import type { BytesInput, Regs, RunOptions, Sregs, U64Input, Vcpu, VcpuExit } from '../api.js';
import { bytes, invalidArgValue, options, outOfRange, u64 } from '../args.js';
import { KvmError } from '../errors.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { VCPU_STRUCT_SIZES, kvm_run_exits as X } from '../uapi/vcpu.js';
import { decodeExit } from './exits.js';
import { KernelFdHandle } from './handle.js';
import type { KvmDevice } from './kvmDevice.js';
import type { NativeAddon } from './native.js';
import { decodeRegs, decodeSregs, encodeRegs, encodeSregs } from './regs.js';
import { check } from './sys.js';

import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../uapi/flags.js';

const I = KVM_IOCTLS.byName;
const DEFAULT_TIMEOUT_MS = 5000;

export class KernelVcpu extends KernelFdHandle implements Vcpu {
  private readonly run_: bigint;
  private lastExit: VcpuExit | undefined;

  /** `device`: /dev/kvm (KVM_SET_CPUID2 takes what it supports), held until this vCPU closes. */
  constructor(native: NativeAddon, fd: number, readonly id: number, private readonly device: KvmDevice, private readonly runSize: number) {
    super(native, fd);
    try {
      this.run_ = check<bigint>(native.mmap(BigInt(runSize), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0n), 'mmap', 'mmap kvm_run');
    } catch (err) {
      native.close(fd);
      throw err;
    }
    device.get();
  }

  getRegs(): Regs {
    this.ensureOpen('ioctl', 'KVM_GET_REGS');
    const buf = new Uint8Array(VCPU_STRUCT_SIZES.kvm_regs);
    check(this.native.ioctlBuffer(this.fd, I.KVM_GET_REGS, buf), 'ioctl', 'KVM_GET_REGS');
    return decodeRegs(buf);
  }

  setRegs(regs: { [K in keyof Regs]?: U64Input }): void {
    const changes = options<Regs>(regs, 'regs');
    const merged = { ...this.getRegs() };
    for (const [name, value] of Object.entries(changes)) {
      if (!(name in merged)) throw invalidArgValue(`unknown register ${name}`);
      (merged as Record<string, bigint>)[name] = u64(value, name);
    }
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_REGS, encodeRegs(merged)), 'ioctl', 'KVM_SET_REGS');
  }

  getSregs(): Sregs {
    this.ensureOpen('ioctl', 'KVM_GET_SREGS');
    const buf = new Uint8Array(VCPU_STRUCT_SIZES.kvm_sregs);
    check(this.native.ioctlBuffer(this.fd, I.KVM_GET_SREGS, buf), 'ioctl', 'KVM_GET_SREGS');
    return decodeSregs(buf);
  }

  setSregs(sregs: Partial<Sregs>): void {
    const changes = options<Sregs>(sregs, 'sregs');
    const current = this.getSregs();
    for (const name of Object.keys(changes)) if (!(name in current)) throw invalidArgValue(`unknown sregs field ${name}`);
    const merged = { ...current, ...changes } as Sregs;
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_SREGS, encodeSregs(merged)), 'ioctl', 'KVM_SET_SREGS');
  }

  setupCpuid(): void {
    this.ensureOpen('ioctl', 'KVM_SET_CPUID2');
    check(this.native.setupCpuid(this.device.fd, this.fd), 'ioctl', 'KVM_SET_CPUID2');
  }

  run(opts?: RunOptions): VcpuExit {
    const o = options<RunOptions>(opts, 'options');
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
      throw outOfRange('timeoutMs must be an integer from 1 to 3,600,000');
    }
    this.ensureOpen('ioctl', 'KVM_RUN');
    const r = this.native.runVcpu(this.fd, this.run_, timeoutMs);
    if (r === 1) return (this.lastExit = { reason: 'timeout', timeoutMs });
    const exit = decodeExit(this.native, this.run_, r < 0 ? -r : 0);
    // KVM_RUN fails with the memory-fault exit filled in; any other failure is an error.
    if (r < 0 && exit.reason !== 'KVM_EXIT_MEMORY_FAULT') {
      check(r, 'ioctl', 'KVM_RUN');
    }
    return (this.lastExit = exit);
  }

  completeIo(data: BytesInput): void {
    const src = bytes(data, 'data');
    this.ensureOpen('ioctl', 'KVM_RUN');
    const last = this.lastExit;
    if (last?.reason === 'KVM_EXIT_IO' && last.direction === 'in') {
      if (src.byteLength !== last.size * last.count) throw invalidArgValue(`the guest reads ${last.size * last.count} bytes`, 'RangeError');
      const head = new Uint8Array(48);
      this.native.guardedRead(this.run_, head);
      const dataOffset = new DataView(head.buffer).getBigUint64(X.io.dataOffset, true);
      this.native.guardedWrite(this.run_ + dataOffset, src);
      return;
    }
    if (last?.reason === 'KVM_EXIT_MMIO' && !last.isWrite) {
      if (src.byteLength !== last.length) throw invalidArgValue(`the guest reads ${last.length} bytes`, 'RangeError');
      this.native.guardedWrite(this.run_ + BigInt(X.mmio.data), src);
      return;
    }
    throw new KvmError('EINVAL', { syscall: 'ioctl', operation: 'KVM_RUN', reason: 'the last exit was not a port-in or MMIO read' });
  }

  override close(): void {
    if (this.closed) return;
    this.native.munmap(this.run_, BigInt(this.runSize));
    super.close();
    this.device.put();
  }
}

