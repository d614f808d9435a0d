/** The public VM handle. */
import type {
  CapabilityInput,
  CreateGuestMemfdArgs,
  Features,
  FdHandle,
  GuestAccess,
  GuestMemfd,
  MemoryAttributesArgs,
  UserMemoryRegion,
  UserMemoryRegion2,
  Vcpu,
  Vm,
} from '../api.js';
import { capabilityArg, describeValue, invalidArgType, invalidArgValue, u32 } from '../args.js';
import { CLOSED_FD, createGuestMemfdWords, memoryAttributesWords, memoryRegionWords, type MemoryRegionIoctl } from '../requests.js';
import type { FileBackend, VmBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';
import { GuestAccessHandle } from './guestAccess.js';
import { GuestMemfdHandle } from './guestMemfd.js';
import { backendOf } from './registry.js';

export class VmHandle extends FdHandleBase<VmBackend> implements Vm {
  readonly type: number;
  readonly guest: GuestAccess;
  readonly #table: object;
  readonly #features: Features;

  constructor(backend: VmBackend, features: Features) {
    super(backend);
    this.type = backend.type;
    this.#table = backend.table;
    this.#features = features;
    this.guest = new GuestAccessHandle(backend.hasPrivateMem, (operation) => this.open('ioctl', operation));
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityArg(cap);
    return this.open('ioctl', 'KVM_CHECK_EXTENSION').checkExtension(n);
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const words = createGuestMemfdWords(args);
    return new GuestMemfdHandle(this.open('ioctl', 'KVM_CREATE_GUEST_MEMFD').createGuestMemfd(words), this.#features);
  }

  setUserMemoryRegion(region: UserMemoryRegion): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION', region);
  }

  setUserMemoryRegion2(region: UserMemoryRegion2): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION2', region);
  }

  setMemoryAttributes(args: MemoryAttributesArgs): void {
    const words = memoryAttributesWords(args);
    this.open('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES').setMemoryAttributes(words);
  }

  createVcpu(id: number): Vcpu {
    const n = u32(id, 'id');
    return this.open('ioctl', 'KVM_CREATE_VCPU').createVcpu(n);
  }

  private setRegion(ioctl: MemoryRegionIoctl, region: UserMemoryRegion2): void {
    const words = memoryRegionWords(ioctl, region, (handle) => this.descriptorOf(handle));
    this.open('ioctl', ioctl).setUserMemoryRegion(ioctl, words);
  }

  /**
   * A handle passed as a memslot's guest_memfd: its number, when it lives in this VM's
   * descriptor table (a model Kvm is a process of its own; kernel handles share this process's).
   */
  private descriptorOf(value: FdHandle): number {
    const backend = backendOf(value) as FileBackend | undefined;
    if (backend === undefined || !('table' in backend)) {
      throw invalidArgType(`guestMemfd must be a handle or a descriptor number, got ${describeValue(value)}`);
    }
    if (backend.table !== this.#table) throw invalidArgValue('guestMemfd belongs to another Kvm (another model process, or the other backend)');
    return value.closed ? CLOSED_FD : backend.fd;
  }
}
