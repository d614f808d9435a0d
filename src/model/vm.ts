/** The model's VM descriptor. */
import type { GuestExit, MappingLevel } from '../api.js';
import { UnsupportedError } from '../errors.js';
import type { Failed, GuestMemfdBackend, VcpuBackend, VmBackend } from '../handles/backend.js';
import type { CreateGuestMemfdWords, GuestAccessRequest, MemoryAttributesWords, MemoryRegionIoctl, MemoryRegionWords } from '../requests.js';
import { capabilityAnswerFor } from './caps.js';
import { failure } from './fail.js';
import { ModelGuestAccess } from './guest.js';
import { startsShared, validateCreate } from './guestMemfd/create.js';
import { ModelGuestMemfd } from './guestMemfd/handle.js';
import { GmemInode } from './guestMemfd/inode.js';
import { ModelDescriptor } from './handle.js';
import { vmSetMemoryAttributes } from './memoryAttributes.js';
import { setMemoryRegion } from './memslots.js';
import type { ModelProcess } from './process.js';
import type { Profile } from './profile.js';
import { VmState } from './vmState.js';

export class ModelVm extends ModelDescriptor implements VmBackend {
  readonly state: VmState;
  private readonly guest: ModelGuestAccess;

  constructor(process: ModelProcess<unknown>, profile: Profile, readonly type: number) {
    const state = new VmState(profile, type);
    super(process, { kind: 'vm', put: () => state.put() });
    this.state = state;
    this.guest = new ModelGuestAccess(state, process);
  }

  get hasPrivateMem(): boolean {
    return this.state.hasPrivateMem;
  }

  /** The model does not execute guest code: guest memory is reached through `guest`. */
  createVcpu(): VcpuBackend {
    throw new UnsupportedError('model', 'KVM_CREATE_VCPU', 'the model does not execute guest code; use vm.guest for guest memory accesses');
  }

  checkExtension(cap: number | bigint): number {
    return capabilityAnswerFor(this.state.profile, BigInt(cap), this.type);
  }

  createGuestMemfd({ size, flags }: CreateGuestMemfdWords): Failed<GuestMemfdBackend> {
    // 6.18 does not check the reserved words.
    const profile = this.state.profile;
    if (!profile.release.guestMemfd) return failure('ENOTTY', `this kernel has no guest_memfd (${profile.name})`);
    const pageLog2 = validateCreate(profile, this.type, size, flags);
    if (typeof pageLog2 !== 'number') return pageLog2;
    const inode = new GmemInode(this.state, size, flags, (flags & profile.gmemFlags.mmap) !== 0n, startsShared(profile, flags), pageLog2);
    return new ModelGuestMemfd(this.process, inode);
  }

  setUserMemoryRegion(ioctl: MemoryRegionIoctl, words: MemoryRegionWords): void {
    setMemoryRegion(this.state, ioctl, words, (fd) => this.process.lookup(fd));
  }

  setMemoryAttributes(a: MemoryAttributesWords): void {
    vmSetMemoryAttributes(this.state, a.address, a.size, a.attributes, a.flags);
  }

  guestRead(req: GuestAccessRequest, out: Uint8Array): GuestExit | undefined {
    return this.guest.read(req, out);
  }

  guestWrite(req: GuestAccessRequest, src: Uint8Array): GuestExit | undefined {
    return this.guest.write(req, src);
  }

  mappingLevel(gpa: bigint): MappingLevel | null {
    return this.guest.mappingLevel(gpa);
  }
}
