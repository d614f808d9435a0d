/** /dev/kvm on the kernel backend. */
import { O_RDWR } from '../uapi/flags.js';
import { memoryNodes } from '../hostNodes.js';
import { transparentHugepagesBuiltIn } from '../hostThp.js';
import type { Features } from '../api.js';
import type { FileBackend, KvmBackend, VmBackend } from '../handles/backend.js';
import { ERRNOS } from '../uapi/errno.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { GupTestPins } from './gupPins.js';
import { chooseInPlaceCapability, hasInPlaceSeries, readInPlaceParameter, type KernelInPlace } from './inPlace.js';
import { checkExtensionOn } from './caps.js';
import { KernelDescriptor } from './descriptor.js';
import { KvmDevice } from './kvmDevice.js';
import { loadNative, type NativeAddon } from './native.js';
import { check } from './sys.js';
import { KernelVm } from './vm.js';

const I = KVM_IOCTLS.byName;
/** The KVM device; GMEM_KVM_DEVICE names another (a container's bind mount, or a test's missing one). */
export const KVM_DEVICE = process.env.GMEM_KVM_DEVICE || '/dev/kvm';

/** What KernelKvm.open takes besides the device path. */
export interface KernelOpenOptions {
  /** The in-place capability's number (validated); default GMEM_INPLACE_CAP, else the latest revision's. */
  inPlaceCapability?: unknown;
  /** Where kvm.gmem_in_place_conversion is read (a test's kernel double points elsewhere). */
  inPlaceParameterPath?: string;
  /** The addon to call (a test's kernel double); default the built one. */
  native?: NativeAddon;
  /** gup_test's debugfs file, for long-term pins (a test's kernel double points elsewhere). */
  gupTestPath?: string;
}

class KernelHostFile extends KernelDescriptor {
  constructor(native: NativeAddon, fd: number) {
    super(native, fd);
  }
}

export class KernelKvm extends KernelDescriptor implements KvmBackend {
  private runSize: number | undefined;
  private readonly device: KvmDevice;

  /** Open /dev/kvm; an Errno when it cannot be opened, a plain Error when the addon is missing. */
  static open(path = KVM_DEVICE, opts: KernelOpenOptions = {}): KernelKvm {
    const capability = chooseInPlaceCapability(opts.inPlaceCapability);
    let native = opts.native;
    if (!native) {
      const load = loadNative();
      if (!load.ok) throw Object.assign(new Error(`kernel backend unavailable: ${load.reason}`), { code: 'ERR_KERNEL_BACKEND_UNAVAILABLE' });
      native = load.addon;
    }
    const fd = check(native.open(path, O_RDWR));
    const inPlace: KernelInPlace = {
      capability,
      systemAnswer: Math.max(0, native.ioctlInt(fd, I.KVM_CHECK_EXTENSION, capability)),
      parameter: readInPlaceParameter(opts.inPlaceParameterPath),
    };
    return new KernelKvm(native, fd, inPlace, new GupTestPins(native, opts.gupTestPath));
  }

  private readonly featureSet: Features;

  private constructor(
    native: NativeAddon,
    fd: number,
    /** What the kernel said about the in-place series when it was opened. */
    readonly inPlace: KernelInPlace,
    private readonly gupPins: GupTestPins,
  ) {
    super(native, fd);
    this.device = new KvmDevice(native, fd);
    this.featureSet = Object.freeze({
      backend: 'kernel',
      profile: 'host',
      profileData: undefined,
      // The only in-place conversion a kernel may have: files offer it where the kernel has the
      // series, and every call is issued, so the answer is always the kernel's.
      conversion: hasInPlaceSeries(inPlace) ? 'attributes2' : undefined,
      inPlaceCapability: inPlace.capability,
      inPlaceParameter: inPlace.parameter,
      // Long-term pins from user space exist only through CONFIG_GUP_TEST's debugfs file.
      pins: gupPins.unavailable === undefined,
      gmemFlagNames: undefined,
      memoryNodes: memoryNodes() ?? [0],
      transparentHugepages: transparentHugepagesBuiltIn(),
    });
  }

  /** The descriptor stays open while a VM or vCPU made from it lives (see KvmDevice). */
  override close(): void {
    this.device.put();
  }

  features(): Features {
    return this.featureSet;
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
    return new KernelVm(this.native, fd, Number(type), this.device, this.runSize, this.featureSet.conversion !== undefined, this.gupPins);
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
