/**
 * /dev/kvm's descriptor, shared by the Kvm and by every VM and vCPU made from it (the kernel
 * asks /dev/kvm for CPUID and the kvm_run size). It is closed when the last of them lets go:
 * kvm.close() before a VM's last use must not free the number for another file to receive, and
 * a VM keeps working after kvm.close(), as a VM descriptor does in the kernel and in the model.
 */
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

export class KvmDevice {
  private refs = 1;
  private cpuid: Uint8Array | undefined;

  constructor(
    private readonly native: NativeAddon,
    readonly fd: number,
  ) {}

  get(): this {
    this.refs++;
    return this;
  }

  put(): void {
    if (--this.refs === 0) this.native.close(this.fd);
  }

  /**
   * KVM_GET_SUPPORTED_CPUID, asked once per descriptor (the ioctl costs a few hundred us, more
   * than the rest of a vCPU's setup): what KVM supports is fixed when its module loads, and this
   * open descriptor keeps the module loaded, so the answer cannot change while it is held.
   */
  supportedCpuid(): Uint8Array {
    this.cpuid ??= check(this.native.supportedCpuid(this.fd));
    return this.cpuid;
  }
}
