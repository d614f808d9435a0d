/** A VM on the kernel backend: each method is one ioctl on the VM's descriptor. */
import type { GuestExit, MappingLevel } from '../api.js';
import type { Failed, GuestMemfdBackend, VmBackend } from '../handles/backend.js';
import type { CreateGuestMemfdWords, GuestAccessRequest, MemoryAttributesWords, MemoryRegionIoctl, MemoryRegionWords } from '../requests.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { STRUCT_SIZES, kvm_create_guest_memfd, kvm_memory_attributes } from '../uapi/structs.js';
import { VM_TYPES_WITH_PRIVATE_MEMORY } from '../uapi/vmTypes.js';
import { checkExtensionOn } from './caps.js';
import { KernelDescriptor } from './descriptor.js';
import { encodeMemoryRegion, encodeStruct } from './encode.js';
import { KernelGuestAccess } from './guestAccess.js';
import type { GupTestPins } from './gupPins.js';
import { KernelGuestMemfd } from './guestMemfd.js';
import type { KvmDevice } from './kvmDevice.js';
import type { NativeAddon } from './native.js';
import { check, result } from './sys.js';
import { KernelVcpu } from './vcpu.js';
import { VmHolders, type VmHold } from './vmHold.js';

const I = KVM_IOCTLS.byName;

export class KernelVm extends KernelDescriptor implements VmBackend {
  readonly hasPrivateMem: boolean;
  private readonly guest: KernelGuestAccess;
  /** Address-space-0 slots made through this VM, so the guest program can keep clear of them. */
  private readonly slotsMade = new Map<number, { gpa: bigint; size: bigint }>();
  private readonly vcpuIds = new Set<number>();
  private helper: KernelVcpu | undefined;
  /** Files, mappings and caller vCPUs that keep the VM alive once its descriptor is closed. */
  private readonly holders = new VmHolders();

  constructor(
    native: NativeAddon,
    fd: number,
    readonly type: number,
    /** /dev/kvm (CPUID is asked there): this VM holds a reference until it closes. */
    private readonly device: KvmDevice,
    private readonly runSize: number,
    /** The kernel has the in-place series: its files take KVM_SET_MEMORY_ATTRIBUTES2 calls. */
    private readonly inPlaceSeries: boolean,
    /** Long-term pins for its files (gup_test), where the kernel offers them. */
    private readonly gupPins: GupTestPins,
  ) {
    super(native, fd);
    device.get();
    this.hasPrivateMem = VM_TYPES_WITH_PRIVATE_MEMORY.has(type);
    this.guest = new KernelGuestAccess({
      native,
      vmFd: fd,
      hasPrivateMem: this.hasPrivateMem,
      userSlots: () => this.slotsMade,
      helperVcpu: () => this.helperVcpu(),
    });
  }

  /** Files, their mappings and caller vCPUs hold the VM; the guest program's vCPU closes with it. */
  diesWithDescriptor(unmapped?: ReadonlySet<bigint>): boolean {
    return !this.holders.heldBesides(unmapped);
  }

  override close(): void {
    this.helper?.close();
    // Closing the descriptor destroys the VM, guest program slot and all, unless something else
    // holds it: then the slot must go first, as nothing may stay behind over memory freed here.
    this.guest.dispose(!this.diesWithDescriptor());
    super.close();
    this.device.put();
  }

  /** The guest program's vCPU: the highest id KVM allows that the caller has not taken. */
  private helperVcpu(): KernelVcpu {
    if (!this.helper) {
      let id = checkExtensionOn(this.native, this.fd, KVM_CAPS.byName.KVM_CAP_MAX_VCPU_ID) - 1;
      while (this.vcpuIds.has(id)) id--;
      this.helper = this.makeVcpu(id);
      this.helper.setupCpuid();
    }
    return this.helper;
  }

  checkExtension(cap: number | bigint): number {
    return checkExtensionOn(this.native, this.fd, cap);
  }

  createVcpu(id: number): KernelVcpu {
    // A caller's vCPU must not find the guest program's memslot: it goes before each of its runs.
    return this.makeVcpu(id, { beforeRun: () => this.guest.retire(), vmHold: this.holders });
  }

  private makeVcpu(id: number, caller?: { beforeRun: () => void; vmHold: VmHold }): KernelVcpu {
    const fd = check(this.native.ioctlValue(this.fd, I.KVM_CREATE_VCPU, id));
    this.vcpuIds.add(id);
    return new KernelVcpu(this.native, fd, id, this.device, this.runSize, caller);
  }

  createGuestMemfd(w: CreateGuestMemfdWords): Failed<GuestMemfdBackend> {
    const struct = encodeStruct(kvm_create_guest_memfd, STRUCT_SIZES.kvm_create_guest_memfd, w as unknown as Record<string, bigint | bigint[]>);
    const fd = result(this.native.ioctlBuffer(this.fd, I.KVM_CREATE_GUEST_MEMFD, struct));
    if (typeof fd !== 'number') return fd;
    this.native.setCloexec(fd); // KVM leaves it off; a child must not keep the file (and the VM) alive.
    return new KernelGuestMemfd(this.native, fd, w.size, w.flags, this.inPlaceSeries, this.holders, this.gupPins);
  }

  setUserMemoryRegion(ioctl: MemoryRegionIoctl, w: MemoryRegionWords): void {
    this.guest.beforeCallerSlot(w.slot, w.guestPhysAddr, w.memorySize);
    check(this.native.ioctlBuffer(this.fd, I[ioctl], encodeMemoryRegion(ioctl, w)));
    if (w.slot >>> 16 === 0) {
      if (w.memorySize === 0n) this.slotsMade.delete(w.slot);
      else this.slotsMade.set(w.slot, { gpa: w.guestPhysAddr, size: w.memorySize });
    }
  }

  setMemoryAttributes(a: MemoryAttributesWords): void {
    const struct = encodeStruct(kvm_memory_attributes, STRUCT_SIZES.kvm_memory_attributes, { ...a });
    check(this.native.ioctlBuffer(this.fd, I.KVM_SET_MEMORY_ATTRIBUTES, struct));
  }

  guestRead(req: GuestAccessRequest, out: Uint8Array): GuestExit | undefined {
    return this.guest.access(req, out, 'read');
  }

  guestWrite(req: GuestAccessRequest, src: Uint8Array): GuestExit | undefined {
    return this.guest.access(req, src, 'write');
  }

  mappingLevel(): MappingLevel | null {
    return this.guest.mappingLevel();
  }
}
