/** A VM on the kernel backend. */
import type {
  CapabilityInput,
  CreateGuestMemfdArgs,
  FdHandle,
  GuestAccess,
  GuestMemfd,
  MemoryAttributesArgs,
  UserMemoryRegion,
  UserMemoryRegion2,
  Vm,
} from '../api.js';
import { bytes, describeValue } from '../args.js';
import { VM_TYPES_WITH_PRIVATE_MEMORY } from '../uapi/vmTypes.js';
import { checkExtensionOn } from './caps.js';
import { UnsupportedError } from '../errors.js';
import { CLOSED_FD, createGuestMemfdWords, guestAccessRequest, guestReadRequest, memoryAttributesWords, memoryRegionWords, type MemoryRegionIoctl } from '../requests.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { PROPOSED_CAPS } from '../uapi/proposals.js';
import {
  STRUCT_SIZES,
  kvm_create_guest_memfd,
  kvm_memory_attributes,
  kvm_userspace_memory_region,
  kvm_userspace_memory_region2,
} from '../uapi/structs.js';
import { encodeStruct } from './encode.js';
import { KernelGuestMemfd } from './guestMemfd.js';
import { KernelFdHandle } from './handle.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

const I = KVM_IOCTLS.byName;

/** Guest access needs vCPUs, which the kernel backend does not run yet. */
const noGuestYet = (): never => {
  throw new UnsupportedError('kernel', 'guest memory access', 'it needs vCPUs, which this backend does not run yet; use the model');
};

/** Arguments are checked as on the model (so bad input is a TypeError/RangeError everywhere), then refused. */
function unsupportedGuestAccess(hasPrivateMem: boolean): GuestAccess {
  return {
    read: (gpa, length, opts) => (guestReadRequest(gpa, length, opts, hasPrivateMem), noGuestYet()),
    write: (gpa, data, opts) => (guestAccessRequest(gpa, bytes(data, 'data').byteLength, opts, hasPrivateMem), noGuestYet()),
  };
}

export class KernelVm extends KernelFdHandle implements Vm {
  readonly guest: GuestAccess;

  constructor(native: NativeAddon, fd: number, readonly type: number) {
    super(native, fd);
    this.guest = unsupportedGuestAccess(VM_TYPES_WITH_PRIVATE_MEMORY.has(type));
  }

  checkExtension(cap: CapabilityInput): number {
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return checkExtensionOn(this.native, this.fd, cap);
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const w = createGuestMemfdWords(args);
    this.ensureOpen('ioctl', 'KVM_CREATE_GUEST_MEMFD');
    const struct = encodeStruct(kvm_create_guest_memfd, STRUCT_SIZES.kvm_create_guest_memfd, w as unknown as Record<string, bigint | bigint[]>);
    const fd = check(this.native.ioctlBuffer(this.fd, I.KVM_CREATE_GUEST_MEMFD, struct), 'ioctl', 'KVM_CREATE_GUEST_MEMFD');
    this.native.setCloexec(fd); // KVM leaves it off; a child must not keep the file (and the VM) alive.
    // Whether the file can be converted in place is the VM's answer; ask it now, while its fd is open.
    const capability = PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest;
    const attributes = Math.max(0, this.native.ioctlInt(this.fd, I.KVM_CHECK_EXTENSION, capability));
    return new KernelGuestMemfd(this.native, fd, w.size, w.flags, { capability, attributes });
  }

  setUserMemoryRegion(region: UserMemoryRegion): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION', region);
  }

  setUserMemoryRegion2(region: UserMemoryRegion2): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION2', region);
  }

  setMemoryAttributes(args: MemoryAttributesArgs): void {
    const a = memoryAttributesWords(args);
    this.ensureOpen('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES');
    const struct = encodeStruct(kvm_memory_attributes, STRUCT_SIZES.kvm_memory_attributes, { ...a });
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_MEMORY_ATTRIBUTES, struct), 'ioctl', 'KVM_SET_MEMORY_ATTRIBUTES');
  }

  private setRegion(ioctl: MemoryRegionIoctl, region: UserMemoryRegion2): void {
    const w = memoryRegionWords(ioctl, region, (handle) => this.descriptorOf(handle));
    this.ensureOpen('ioctl', ioctl);
    const common = {
      slot: w.slot,
      flags: w.flags,
      guest_phys_addr: w.guestPhysAddr,
      memory_size: w.memorySize,
      userspace_addr: w.userspaceAddr,
    };
    const struct =
      ioctl === 'KVM_SET_USER_MEMORY_REGION'
        ? encodeStruct(kvm_userspace_memory_region, STRUCT_SIZES.kvm_userspace_memory_region, common)
        : encodeStruct(kvm_userspace_memory_region2, STRUCT_SIZES.kvm_userspace_memory_region2, {
            ...common,
            guest_memfd_offset: w.guestMemfdOffset,
            guest_memfd: w.guestMemfd,
          });
    check(this.native.ioctlBuffer(this.fd, I[ioctl], struct), 'ioctl', ioctl);
  }

  /** A handle of the kernel backend (any Kvm: they share this process's descriptor table). */
  private descriptorOf(value: FdHandle): number {
    if (!(value instanceof KernelFdHandle)) {
      throw new TypeError(`guestMemfd must be a kernel-backend handle or a descriptor number, got ${describeValue(value)}`);
    }
    return value.closed ? CLOSED_FD : value.fd;
  }
}
