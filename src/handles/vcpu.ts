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
    return this.sys('ioctl', 'KVM_GET_REGS', (b) => b.getRegs());
  }

  setRegs(regs: { [K in keyof Regs]?: U64Input }): void {
    const changes = options<Regs>(regs, 'regs');
    const merged = { ...this.getRegs() };
    for (const [name, value] of Object.entries(changes)) {
      if (!(name in merged)) throw invalidArgValue(`unknown register ${name}`);
      (merged as Record<string, bigint>)[name] = u64(value, name);
    }
    this.sys('ioctl', 'KVM_SET_REGS', (b) => b.setRegs(merged));
  }

  getSregs(): Sregs {
    return this.sys('ioctl', 'KVM_GET_SREGS', (b) => b.getSregs());
  }

  setSregs(sregs: Partial<Sregs>): void {
    const changes = options<Sregs>(sregs, 'sregs');
    const current = this.getSregs();
    for (const name of Object.keys(changes)) if (!(name in current)) throw invalidArgValue(`unknown sregs field ${name}`);
    this.sys('ioctl', 'KVM_SET_SREGS', (b) => b.setSregs({ ...current, ...changes } as Sregs));
  }

  setupCpuid(): void {
    this.sys('ioctl', 'KVM_SET_CPUID2', (b) => b.setupCpuid());
  }

  run(opts?: RunOptions): VcpuExit {
    const o = options<RunOptions>(opts, 'options');
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
      throw outOfRange('timeoutMs must be an integer from 1 to 3,600,000');
    }
    return (this.#lastExit = this.sys('ioctl', 'KVM_RUN', (b) => b.run(timeoutMs)));
  }

  completeIo(data: BytesInput): void {
    const src = bytes(data, 'data');
    this.open('ioctl', 'KVM_RUN');
    const last = this.#lastExit;
    const wanted = last?.reason === 'KVM_EXIT_IO' && last.direction === 'in' ? last.size * last.count : last?.reason === 'KVM_EXIT_MMIO' && !last.isWrite ? last.length : undefined;
    if (wanted === undefined) throw new KvmError('EINVAL', { syscall: 'ioctl', operation: 'KVM_RUN', reason: 'the last exit was not a port-in or MMIO read' });
    if (src.byteLength !== wanted) throw invalidArgValue(`the guest reads ${wanted} bytes`, 'RangeError');
    this.sys('ioctl', 'KVM_RUN', (b) => b.completeIo(last!, src));
  }
}
