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
  Vm,
} from '../api.js';
import { capabilityNumber, describeValue, options, optionalU32, optionalU64, requireKeys, u32, u64 } from '../args.js';
import { capabilityAnswer } from './caps.js';
import { ModelGuestAccess } from './guest.js';
import { validateCreate } from './guestMemfd/create.js';
import { ModelGuestMemfd } from './guestMemfd/handle.js';
import { GmemInode } from './guestMemfd/inode.js';
import { ModelFdHandle } from './handle.js';
import { vmSetMemoryAttributes } from './memoryAttributes.js';
import { setMemoryRegion, type MemoryRegionIoctl, type MemoryRegionWords } from './memslots.js';
import type { ModelProcess } from './process.js';
import type { Profile } from './profile.js';
import { VmState } from './vmState.js';

/** A descriptor number no process has open (fget fails with EBADF), standing for a closed handle. */
const CLOSED_FD = 0xffff_ffff;

export class ModelVm extends ModelFdHandle implements Vm {
  readonly state: VmState;
  readonly guest: GuestAccess;

  constructor(process: ModelProcess<unknown>, profile: Profile, readonly type: number) {
    const state = new VmState(profile, type);
    super(process, { kind: 'vm', put: () => state.put() });
    this.state = state;
    this.guest = new ModelGuestAccess(state, process, (operation) => this.ensureOpen('ioctl', operation));
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityNumber(cap);
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return n > 0xffff_ffffn ? 0 : capabilityAnswer(this.state.profile, Number(n), this.type);
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const a = options<CreateGuestMemfdArgs>(args, 'args');
    requireKeys(a, ['size'], 'args');
    const size = u64(a.size, 'size');
    const flags = optionalU64(a.flags, 'flags', 0n);
    if (a.reserved !== undefined) {
      if (!Array.isArray(a.reserved) || a.reserved.length > 6) throw new TypeError('reserved must be an array of at most 6 u64 words');
      a.reserved.forEach((w, i) => u64(w, `reserved[${i}]`)); // 6.18 does not check them, but they must be u64s.
    }
    this.ensureOpen('ioctl', 'KVM_CREATE_GUEST_MEMFD');
    const profile = this.state.profile;
    validateCreate(profile, this.type, size, flags);
    const inode = new GmemInode(
      this.state,
      size,
      flags,
      (flags & profile.gmemFlags.mmap) !== 0n,
      (flags & profile.gmemFlags.initShared) !== 0n,
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
    const a = options<MemoryAttributesArgs>(args, 'args');
    requireKeys(a, ['address', 'size', 'attributes'], 'args');
    const address = u64(a.address, 'address');
    const size = u64(a.size, 'size');
    const attributes = u64(a.attributes, 'attributes');
    const flags = optionalU64(a.flags, 'flags', 0n);
    this.ensureOpen('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES');
    vmSetMemoryAttributes(this.state, address, size, attributes, flags);
  }

  private setRegion(ioctl: MemoryRegionIoctl, region: UserMemoryRegion2): void {
    const r = options<UserMemoryRegion2>(region, 'region');
    requireKeys(r, ['slot', 'guestPhysAddr', 'memorySize'], 'region');
    const v2 = ioctl === 'KVM_SET_USER_MEMORY_REGION2';
    if (!v2 && (r.guestMemfd !== undefined || r.guestMemfdOffset !== undefined)) {
      throw new TypeError('guestMemfd and guestMemfdOffset exist only in KVM_SET_USER_MEMORY_REGION2');
    }
    const words: MemoryRegionWords = {
      slot: u32(r.slot, 'slot'),
      flags: optionalU32(r.flags, 'flags', 0),
      guestPhysAddr: u64(r.guestPhysAddr, 'guestPhysAddr'),
      memorySize: u64(r.memorySize, 'memorySize'),
      userspaceAddr: optionalU64(r.userspaceAddr, 'userspaceAddr', 0n),
      guestMemfdOffset: optionalU64(r.guestMemfdOffset, 'guestMemfdOffset', 0n),
      guestMemfd: this.descriptorOf(r.guestMemfd),
    };
    this.ensureOpen('ioctl', ioctl);
    setMemoryRegion(this.state, ioctl, words, (fd) => this.process.lookup(fd));
  }

  /** A handle of this model process, or a raw descriptor number. */
  private descriptorOf(value: FdHandle | number | undefined): number {
    if (value === undefined) return 0;
    if (typeof value === 'number' || typeof value === 'bigint') return u32(value, 'guestMemfd');
    if (!(value instanceof ModelFdHandle)) {
      throw new TypeError(`guestMemfd must be a handle of this model Kvm or a descriptor number, got ${describeValue(value)}`);
    }
    if (!value.belongsTo(this.process)) throw new TypeError('guestMemfd belongs to another Kvm (another model process)');
    return value.closed ? CLOSED_FD : value.fd;
  }
}
