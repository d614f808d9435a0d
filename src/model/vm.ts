/** The Vm handle of the model. */
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
import { capabilityNumber, describeValue, u32 } from '../args.js';
import { UnsupportedError } from '../errors.js';
import { CLOSED_FD, createGuestMemfdWords, memoryAttributesWords, memoryRegionWords, type MemoryRegionIoctl } from '../requests.js';
import { capabilityAnswerFor } from './caps.js';
import { ModelGuestAccess } from './guest.js';
import { startsShared, validateCreate } from './guestMemfd/create.js';
import { ModelGuestMemfd } from './guestMemfd/handle.js';
import { GmemInode } from './guestMemfd/inode.js';
import { ModelFdHandle } from './handle.js';
import { vmSetMemoryAttributes } from './memoryAttributes.js';
import { setMemoryRegion } from './memslots.js';
import type { ModelProcess } from './process.js';
import type { Profile } from './profile.js';
import { VmState } from './vmState.js';

export class ModelVm extends ModelFdHandle implements Vm {
  readonly state: VmState;
  readonly guest: GuestAccess;

  constructor(process: ModelProcess<unknown>, profile: Profile, readonly type: number) {
    const state = new VmState(profile, type);
    super(process, { kind: 'vm', put: () => state.put() });
    this.state = state;
    this.guest = new ModelGuestAccess(state, process, (operation) => this.ensureOpen('ioctl', operation));
  }

  /** The model does not execute guest code: guest memory is reached through `guest`. */
  createVcpu(id: number): Vcpu {
    u32(id, 'id');
    this.ensureOpen('ioctl', 'KVM_CREATE_VCPU');
    throw new UnsupportedError('model', 'KVM_CREATE_VCPU', 'the model does not execute guest code; use vm.guest for guest memory accesses');
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityNumber(cap);
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return capabilityAnswerFor(this.state.profile, n, this.type);
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const { size, flags } = createGuestMemfdWords(args); // 6.18 does not check the reserved words.
    this.ensureOpen('ioctl', 'KVM_CREATE_GUEST_MEMFD');
    const profile = this.state.profile;
    const pageLog2 = validateCreate(profile, this.type, size, flags);
    const inode = new GmemInode(
      this.state,
      size,
      flags,
      (flags & profile.gmemFlags.mmap) !== 0n,
      startsShared(profile, flags),
      pageLog2,
    );
    return new ModelGuestMemfd(this.process, inode);
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
    vmSetMemoryAttributes(this.state, a.address, a.size, a.attributes, a.flags);
  }

  private setRegion(ioctl: MemoryRegionIoctl, region: UserMemoryRegion2): void {
    const words = memoryRegionWords(ioctl, region, (handle) => this.descriptorOf(handle));
    this.ensureOpen('ioctl', ioctl);
    setMemoryRegion(this.state, ioctl, words, (fd) => this.process.lookup(fd));
  }

  /** A handle of this model process. */
  private descriptorOf(value: FdHandle): number {
    if (!(value instanceof ModelFdHandle)) {
      throw new TypeError(`guestMemfd must be a handle of this model Kvm or a descriptor number, got ${describeValue(value)}`);
    }
    if (!value.belongsTo(this.process)) throw new TypeError('guestMemfd belongs to another Kvm (another model process)');
    return value.closed ? CLOSED_FD : value.fd;
  }
}
