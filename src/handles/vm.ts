/** The public VM handle. */
import { unreachableUserRange } from './unreachable.js';
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
import { capabilityArg, describeValue, invalidArgType, invalidArgValue, u32 } from '../args.js';
import { CLOSED_FD, createGuestMemfdWords, memoryAttributesWords, memoryRegionWords, type MemoryRegionIoctl } from '../requests.js';
import type { VmBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';
import { GuestAccessHandle } from './guestAccess.js';
import { GuestMemfdHandle } from './guestMemfd.js';
import { HostMappingHandle } from './hostMapping.js';
import { named } from './named.js';
import { findMapping, type MappingRecord } from './mappings.js';
import { VcpuHandle } from './vcpu.js';

export class VmHandle extends FdHandleBase<VmBackend> implements Vm {
  readonly type: number;
  readonly guest: GuestAccess;
  readonly #table: object;
  readonly #rawAddresses: boolean;
  /** The mapping under each live slot (by slot key), kept from being given back while the slot lives. */
  readonly #slotMappings: Map<number, MappingRecord>;

  constructor(backend: VmBackend, rawAddresses: boolean) {
    const slotMappings = new Map<number, MappingRecord>();
    super(backend, () => deleteSlotsOverMappings(backend, slotMappings));
    this.#slotMappings = slotMappings;
    this.type = backend.type;
    this.#table = backend.table;
    this.#rawAddresses = rawAddresses;
    this.guest = new GuestAccessHandle(backend.hasPrivateMem, (operation, call) => this.sys('ioctl', operation, call));
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityArg(cap);
    return this.sys('ioctl', 'KVM_CHECK_EXTENSION', (b) => b.checkExtension(n));
  }

  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd {
    const words = createGuestMemfdWords(args);
    return new GuestMemfdHandle(this.sys('ioctl', 'KVM_CREATE_GUEST_MEMFD', (b) => b.createGuestMemfd(words)));
  }

  setUserMemoryRegion(region: UserMemoryRegion): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION', region);
  }

  setUserMemoryRegion2(region: UserMemoryRegion2): void {
    this.setRegion('KVM_SET_USER_MEMORY_REGION2', region);
  }

  setMemoryAttributes(args: MemoryAttributesArgs): void {
    const words = memoryAttributesWords(args);
    this.sys('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES', (b) => b.setMemoryAttributes(words));
  }

  createVcpu(id: number): Vcpu {
    const n = u32(id, 'id');
    return new VcpuHandle(this.sys('ioctl', 'KVM_CREATE_VCPU', (b) => b.createVcpu(n)));
  }

  private setRegion(ioctl: MemoryRegionIoctl, region: UserMemoryRegion2): void {
    const words = memoryRegionWords(ioctl, region, {
      descriptorOf: (handle) => this.descriptorOf(handle),
      addressOf: (handle) => this.addressOf(handle),
    });
    // A deletion reaches no memory; anything else must lie in a mapping this library holds.
    const record = words.memorySize === 0n ? undefined : this.mappingUnder(words.userspaceAddr, words.memorySize);
    this.sys('ioctl', ioctl, (b) => b.setUserMemoryRegion(ioctl, words));
    // The slot now covers `record` (or nothing): pin the new before letting the old go, which
    // may give back a mapping unmap() left reserved.
    record?.pin();
    const old = this.#slotMappings.get(words.slot);
    if (record) this.#slotMappings.set(words.slot, record);
    else this.#slotMappings.delete(words.slot);
    try {
      old?.unpin();
    } catch (err) {
      throw named(err, 'munmap', 'munmap');
    }
  }

  /** The HostMapping given as a slot's userspaceAddr: its address. */
  private addressOf(value: object): bigint {
    const record = HostMappingHandle.recordOf(value);
    if (!record) throw invalidArgType(`userspaceAddr must be a HostMapping, a number or a bigint, got ${describeValue(value)}`);
    return record.address;
  }

  /**
   * The live mapping of this VM's process that holds [address, address + size): only memory
   * this library mapped, and still has mapped, may back a slot. 0 (no host memory), ranges no
   * mapping can ever occupy (unreachable.ts) and, on a Kvm opened with unsafeRawAddresses, any
   * number pass unchecked.
   */
  private mappingUnder(address: bigint, size: bigint): MappingRecord | undefined {
    if (address === 0n) return undefined;
    const record = findMapping(this.#table, address, size);
    if (record || this.#rawAddresses || unreachableUserRange(address, size)) return record;
    throw invalidArgValue(
      `userspaceAddr (with memorySize 0x${size.toString(16)}) is not inside a live mapping made by this Kvm: pass a HostMapping, an address inside one, or 0 (or open the Kvm with unsafeRawAddresses)`,
      'RangeError',
    );
  }

  /**
   * A handle passed as a memslot's guest_memfd: its number, when it lives in this VM's
   * descriptor table (a model Kvm is a process of its own; kernel handles share this process's).
   */
  private descriptorOf(value: FdHandle): number {
    const backend = FdHandleBase.backendOf(value);
    if (backend === undefined || !('table' in backend)) {
      throw invalidArgType(`guestMemfd must be a handle or a descriptor number, got ${describeValue(value)}`);
    }
    if (backend.table !== this.#table) throw invalidArgValue('guestMemfd belongs to another Kvm (another model process, or the other backend)');
    return value.closed ? CLOSED_FD : backend.fd;
  }
}

/**
 * Before a VM's descriptor is closed, its slots over host mappings are deleted and the mappings
 * let go: the kernel's VM can outlive its descriptor (a guest_memfd or a vCPU holds it), and its
 * slots must not outlive the mappings under them. A VM the close destroys takes its slots with
 * it, so the deletions (a memslot update, a grace period on the kernel, each) are skipped: also
 * when the only other holders are mappings unmap() left reserved for these slots alone, which are
 * given back first (nothing can use the VM in between: its vCPUs would hold it).
 */
function deleteSlotsOverMappings(backend: VmBackend, slotMappings: Map<number, MappingRecord>): void {
  const slotsOver = new Map<MappingRecord, number>();
  for (const record of slotMappings.values()) slotsOver.set(record, (slotsOver.get(record) ?? 0) + 1);
  const freed = new Set<bigint>();
  for (const [record, slots] of slotsOver) if (record.freedBy(slots)) freed.add(record.address);
  const dies = backend.diesWithDescriptor?.(freed) === true;
  for (const [slot, record] of slotMappings) {
    try {
      if (!dies) backend.setUserMemoryRegion('KVM_SET_USER_MEMORY_REGION', { slot, flags: 0, guestPhysAddr: 0n, memorySize: 0n, userspaceAddr: 0n, guestMemfdOffset: 0n, guestMemfd: 0 });
    } finally {
      record.unpin();
    }
  }
  slotMappings.clear();
}
