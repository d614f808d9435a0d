/** /dev/kvm on the kernel backend. */
import type { Features } from '../api.js';
import type { FileBackend, KvmBackend, VmBackend } from '../handles/backend.js';
import { ERRNOS } from '../uapi/errno.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { PROPOSED_CAPS } from '../uapi/proposals.js';
import { checkExtensionOn } from './caps.js';
import { KernelDescriptor } from './descriptor.js';
import { KvmDevice } from './kvmDevice.js';
import { loadNative, type NativeAddon } from './native.js';
import { check } from './sys.js';
import { KernelVm } from './vm.js';

const I = KVM_IOCTLS.byName;
const O_RDWR = 2;
/** The KVM device; GMEM_KVM_DEVICE names another (a container's bind mount, or a test's missing one). */
export const KVM_DEVICE = process.env.GMEM_KVM_DEVICE || '/dev/kvm';

/** What the kernel backend offers; what the running kernel has is asked with KVM_CHECK_EXTENSION. */
const KERNEL_FEATURES: Features = Object.freeze({
  backend: 'kernel',
  profile: 'host',
  profileData: undefined,
  // The only in-place conversion a kernel may have; each VM announces it with the capability.
  conversion: 'attributes2',
  inPlaceCapability: PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest,
  pins: false,
  gmemFlagNames: undefined,
});

class KernelHostFile extends KernelDescriptor {
  constructor(native: NativeAddon, fd: number) {
    super(native, fd);
  }
}

export class KernelKvm extends KernelDescriptor implements KvmBackend {
  private runSize: number | undefined;
  private readonly device: KvmDevice;

  /** Open /dev/kvm; an Errno when it cannot be opened, a plain Error when the addon is missing. */
  static open(path = KVM_DEVICE): KernelKvm {
    const load = loadNative();
    if (!load.ok) throw Object.assign(new Error(`kernel backend unavailable: ${load.reason}`), { code: 'ERR_KERNEL_BACKEND_UNAVAILABLE' });
    const fd = check(load.addon.open(path, O_RDWR));
    return new KernelKvm(load.addon, fd);
  }

  private constructor(native: NativeAddon, fd: number) {
    super(native, fd);
    this.device = new KvmDevice(native, fd);
  }

  /** The descriptor stays open while a VM or vCPU made from it lives (see KvmDevice). */
  override close(): void {
    this.device.put();
  }

  features(): Features {
    return KERNEL_FEATURES;
  }

  getApiVersion(): number {
    return check(this.native.ioctlValue(this.fd, I.KVM_GET_API_VERSION, 0));
  }

  checkExtension(cap: number | bigint): number {
    return checkExtensionOn(this.native, this.fd, cap);
  }

  createVm(type: bigint): VmBackend {
    const fd = check(this.native.ioctlValue(this.fd, I.KVM_CREATE_VM, type));
    this.runSize ??= check(this.native.ioctlInt(this.fd, I.KVM_GET_VCPU_MMAP_SIZE, 0));
    return new KernelVm(this.native, fd, Number(type), this.device, this.runSize);
  }

  memfdCreate(name: string): FileBackend {
    return new KernelHostFile(this.native, check(this.native.memfdCreate(name)));
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
