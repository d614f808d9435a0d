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
  Vcpu,
  Vm,
} from '../api.js';
import { describeValue, u32 } from '../args.js';
import { KernelVcpu } from './vcpu.js';
import { VM_TYPES_WITH_PRIVATE_MEMORY } from '../uapi/vmTypes.js';
import { capabilityArg, checkExtensionOn } from './caps.js';
import { CLOSED_FD, createGuestMemfdWords, memoryAttributesWords, memoryRegionWords, type MemoryRegionIoctl } from '../requests.js';
import { KernelGuestAccess } from './guestAccess.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { PROPOSED_CAPS } from '../uapi/proposals.js';
import { STRUCT_SIZES, kvm_create_guest_memfd, kvm_memory_attributes } from '../uapi/structs.js';
import { encodeMemoryRegion, encodeStruct } from './encode.js';
import { KernelGuestMemfd } from './guestMemfd.js';
import { KernelFdHandle } from './handle.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

const I = KVM_IOCTLS.byName;

export class KernelVm extends KernelFdHandle implements Vm {
  readonly guest: GuestAccess;
  private readonly guestAccess: KernelGuestAccess;
  /** Address-space-0 slots made through this handle, so the guest program can keep clear of them. */
  private readonly slotsMade = new Map<number, { gpa: bigint; size: bigint }>();
  private readonly vcpuIds = new Set<number>();
  private helper: KernelVcpu | undefined;

  constructor(
    native: NativeAddon,
    fd: number,
    readonly type: number,
    /** /dev/kvm's descriptor (CPUID and the kvm_run size are asked there); the Kvm owns it. */
    private readonly kvmFd: number,
    private readonly runSize: number,
  ) {
    super(native, fd);
    this.guestAccess = new KernelGuestAccess({
      native,
      vmFd: fd,
      hasPrivateMem: VM_TYPES_WITH_PRIVATE_MEMORY.has(type),
      userSlots: () => this.slotsMade,
      helperVcpu: () => this.helperVcpu(),
      ensureOpen: (operation) => this.ensureOpen('ioctl', operation),
    });
    this.guest = this.guestAccess;
  }

  override close(): void {
    if (this.closed) return;
    this.helper?.close();
    this.guestAccess.dispose();
    super.close();
  }

  /** The guest program's vCPU: the highest id KVM allows that the caller has not taken. */
  private helperVcpu(): KernelVcpu {
    if (!this.helper) {
      let id = checkExtensionOn(this.native, this.fd, capabilityArg('KVM_CAP_MAX_VCPU_ID')) - 1;
      while (this.vcpuIds.has(id)) id--;
      this.helper = this.createVcpu(id) as KernelVcpu;
      this.helper.setupCpuid();
    }
    return this.helper;
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityArg(cap);
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return checkExtensionOn(this.native, this.fd, n);
  }

  createVcpu(id: number): Vcpu {
    const n = u32(id, 'id');
    this.ensureOpen('ioctl', 'KVM_CREATE_VCPU');
    const fd = check(this.native.ioctlValue(this.fd, I.KVM_CREATE_VCPU, n), 'ioctl', 'KVM_CREATE_VCPU');
    this.vcpuIds.add(n);
    return new KernelVcpu(this.native, fd, n, this.kvmFd, this.runSize);
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const w = createGuestMemfdWords(args);
    this.ensureOpen('ioctl', 'KVM_CREATE_GUEST_MEMFD');
    const struct = encodeStruct(kvm_create_guest_memfd, STRUCT_SIZES.kvm_create_guest_memfd, w as unknown as Record<string, bigint | bigint[]>);
    const fd = check(this.native.ioctlBuffer(this.fd, I.KVM_CREATE_GUEST_MEMFD, struct), 'ioctl', 'KVM_CREATE_GUEST_MEMFD');
    this.native.setCloexec(fd); // KVM leaves it off; a child must not keep the file (and the VM) alive.
    // Whether the file can be converted in place is the VM's answer; ask it now, while its fd is open.
    const capability = PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest;
    const attributes = checkExtensionOn(this.native, this.fd, capability);
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
    const struct = encodeMemoryRegion(ioctl, w);
    check(this.native.ioctlBuffer(this.fd, I[ioctl], struct), 'ioctl', ioctl);
    if (w.slot >>> 16 === 0) {
      if (w.memorySize === 0n) this.slotsMade.delete(w.slot);
      else this.slotsMade.set(w.slot, { gpa: w.guestPhysAddr, size: w.memorySize });
    }
  }

  /** A handle of the kernel backend (any Kvm: they share this process's descriptor table). */
  private descriptorOf(value: FdHandle): number {
    if (!(value instanceof KernelFdHandle)) {
      throw new TypeError(`guestMemfd must be a kernel-backend handle or a descriptor number, got ${describeValue(value)}`);
    }
    return value.closed ? CLOSED_FD : value.fd;
  }
}
