/** The public vCPU handle (the kernel backend runs real ones; the model has none). */
import type { BytesInput, Regs, RunOptions, Sregs, U64Input, Vcpu, VcpuExit } from '../api.js';
import { bytes, invalidArgValue, options, outOfRange, u64 } from '../args.js';
import { KvmError } from '../errors.js';
import type { VcpuBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';

const DEFAULT_TIMEOUT_MS = 5000;

export class VcpuHandle extends FdHandleBase<VcpuBackend> implements Vcpu {
  readonly id: number;
  /** The last exit: completeIo answers a port-in or MMIO read, and nothing else. */
  #lastExit: VcpuExit | undefined;

  constructor(backend: VcpuBackend) {
    super(backend);
    this.id = backend.id;
  }

  getRegs(): Regs {
    return this.open('ioctl', 'KVM_GET_REGS').getRegs();
  }

  setRegs(regs: { [K in keyof Regs]?: U64Input }): void {
    const changes = options<Regs>(regs, 'regs');
    const merged = { ...this.getRegs() };
    for (const [name, value] of Object.entries(changes)) {
      if (!(name in merged)) throw invalidArgValue(`unknown register ${name}`);
      (merged as Record<string, bigint>)[name] = u64(value, name);
    }
    this.open('ioctl', 'KVM_SET_REGS').setRegs(merged);
  }

  getSregs(): Sregs {
    return this.open('ioctl', 'KVM_GET_SREGS').getSregs();
  }

  setSregs(sregs: Partial<Sregs>): void {
    const changes = options<Sregs>(sregs, 'sregs');
    const current = this.getSregs();
    for (const name of Object.keys(changes)) if (!(name in current)) throw invalidArgValue(`unknown sregs field ${name}`);
    this.open('ioctl', 'KVM_SET_SREGS').setSregs({ ...current, ...changes } as Sregs);
  }

  setupCpuid(): void {
    this.open('ioctl', 'KVM_SET_CPUID2').setupCpuid();
  }

  run(opts?: RunOptions): VcpuExit {
    const o = options<RunOptions>(opts, 'options');
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
      throw outOfRange('timeoutMs must be an integer from 1 to 3,600,000');
    }
    return (this.#lastExit = this.open('ioctl', 'KVM_RUN').run(timeoutMs));
  }

  completeIo(data: BytesInput): void {
    const src = bytes(data, 'data');
    const vcpu = this.open('ioctl', 'KVM_RUN');
    const last = this.#lastExit;
    const wanted = last?.reason === 'KVM_EXIT_IO' && last.direction === 'in' ? last.size * last.count : last?.reason === 'KVM_EXIT_MMIO' && !last.isWrite ? last.length : undefined;
    if (wanted === undefined) throw new KvmError('EINVAL', { syscall: 'ioctl', operation: 'KVM_RUN', reason: 'the last exit was not a port-in or MMIO read' });
    if (src.byteLength !== wanted) throw invalidArgValue(`the guest reads ${wanted} bytes`, 'RangeError');
    vcpu.completeIo(last!, src);
  }
}
