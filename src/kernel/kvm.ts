/** /dev/kvm on the kernel backend. */
import type { CapabilityInput, HostFile, Kvm, Vm, VmTypeInput } from '../api.js';
import { vmTypeNumber } from '../args.js';
import { capabilityArg, checkExtensionOn } from './caps.js';
import { ERRNOS } from '../uapi/errno.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { KernelFdHandle } from './handle.js';
import { loadNative, type NativeAddon } from './native.js';
import { check } from './sys.js';
import { KernelVm } from './vm.js';

const I = KVM_IOCTLS.byName;
const O_RDWR = 2;
/** The KVM device; GMEM_KVM_DEVICE names another (a container's bind mount, or a test's missing one). */
export const KVM_DEVICE = process.env.GMEM_KVM_DEVICE || '/dev/kvm';

class KernelHostFile extends KernelFdHandle implements HostFile {
  constructor(native: NativeAddon, fd: number) {
    super(native, fd);
  }
}

export class KernelKvm extends KernelFdHandle implements Kvm {
  readonly backend = 'kernel' as const;
  readonly profile = 'host';
  private runSize: number | undefined;

  /** Open /dev/kvm; a KvmError when it cannot be opened, a plain Error when the addon is missing. */
  static open(path = KVM_DEVICE): KernelKvm {
    const load = loadNative();
    if (!load.ok) throw Object.assign(new Error(`kernel backend unavailable: ${load.reason}`), { code: 'ERR_KERNEL_BACKEND_UNAVAILABLE' });
    const fd = check(load.addon.open(path, O_RDWR), 'open', `open ${path}`);
    return new KernelKvm(load.addon, fd);
  }

  private constructor(native: NativeAddon, fd: number) {
    super(native, fd);
  }

  getApiVersion(): number {
    this.ensureOpen('ioctl', 'KVM_GET_API_VERSION');
    return check(this.native.ioctlValue(this.fd, I.KVM_GET_API_VERSION, 0), 'ioctl', 'KVM_GET_API_VERSION');
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityArg(cap);
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return checkExtensionOn(this.native, this.fd, n);
  }

  createVm(type?: VmTypeInput): Vm {
    const t = vmTypeNumber(type);
    this.ensureOpen('ioctl', 'KVM_CREATE_VM');
    const fd = check(this.native.ioctlValue(this.fd, I.KVM_CREATE_VM, t), 'ioctl', 'KVM_CREATE_VM');
    this.runSize ??= check(this.native.ioctlInt(this.fd, I.KVM_GET_VCPU_MMAP_SIZE, 0), 'ioctl', 'KVM_GET_VCPU_MMAP_SIZE');
    return new KernelVm(this.native, fd, Number(t), this.fd, this.runSize);
  }

  memfdCreate(name = 'gmem'): HostFile {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    this.ensureOpen('memfd_create', 'memfd_create');
    return new KernelHostFile(this.native, check(this.native.memfdCreate(name), 'memfd_create', 'memfd_create'));
  }
}

/** Whether the kernel backend can be used here, and if not, why. */
export function kernelAvailability(path = KVM_DEVICE): { usable: true } | { usable: false; reason: string } {
  const load = loadNative();
  if (!load.ok) return { usable: false, reason: load.reason };
  const fd = load.addon.open(path, O_RDWR);
  if (fd < 0) {
    const why = fd === -ERRNOS.byName.ENOENT ? 'does not exist (no KVM on this machine)' : `cannot be opened (${ERRNOS.nameOf(-fd) ?? `errno ${-fd}`})`;
    return { usable: false, reason: `${path} ${why}` };
  }
  load.addon.close(fd);
  return { usable: true };
}
