/** The Kvm handle of the model: /dev/kvm in a fresh model process. */
import type { CapabilityInput, HostFile, Kvm, Vm, VmTypeInput } from '../api.js';
import { capabilityNumber, vmTypeNumber } from '../args.js';
import { PAGE_SIZE_N } from '../uapi/memory.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { capabilityAnswerFor } from './caps.js';
import { fail } from './fail.js';
import { ModelFdHandle } from './handle.js';
import { ModelProcess } from './process.js';
import { getProfile, type Profile } from './profile.js';
import { ModelVm } from './vm.js';

const MEMFD_NAME_MAX = 249;

/** A plain memfd: not a KVM file. */
class ModelHostFile extends ModelFdHandle implements HostFile {
  constructor(process: ModelProcess<unknown>) {
    super(process, { kind: 'memfd', put: () => {} });
  }
}

export class ModelKvm extends ModelFdHandle implements Kvm {
  readonly backend = 'model' as const;
  readonly profileData: Profile;
  private readonly proc: ModelProcess<unknown>;

  constructor(profile: string | Profile = getProfile()) {
    const p = typeof profile === 'object' && profile !== null ? profile : getProfile(profile);
    const proc = new ModelProcess<unknown>(p.userAddressMax, PAGE_SIZE_N);
    super(proc, { kind: 'kvm', put: () => {} });
    this.proc = proc;
    this.profileData = p;
  }

  get profile(): string {
    return this.profileData.name;
  }

  /** Descriptors open in this model process, the three standard streams included (the leak checks read it). */
  get openDescriptors(): number {
    return this.proc.openDescriptors;
  }

  /** Host mappings alive in this model process. */
  get liveMappings(): number {
    return this.proc.mappingCount;
  }

  getApiVersion(): number {
    this.ensureOpen('ioctl', 'KVM_GET_API_VERSION');
    return this.profileData.apiVersion;
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityNumber(cap);
    this.ensureOpen('ioctl', 'KVM_CHECK_EXTENSION');
    return capabilityAnswerFor(this.profileData, n, null);
  }

  createVm(type?: VmTypeInput): Vm {
    const t = vmTypeNumber(type);
    this.ensureOpen('ioctl', 'KVM_CREATE_VM');
    if (t >= 32n || !this.profileData.vmTypes.includes(Number(t))) {
      const name = t < 32n ? KVM_X86_VM_TYPES.nameOf(Number(t)) : undefined;
      fail('EINVAL', 'ioctl', 'KVM_CREATE_VM', `VM type ${t}${name ? ` (${name})` : ''} is not offered (KVM_CAP_VM_TYPES)`);
    }
    return new ModelVm(this.proc, this.profileData, Number(t));
  }

  memfdCreate(name = 'gmem'): HostFile {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    this.ensureOpen('memfd_create', 'memfd_create');
    // memfd_create keeps the name as "memfd:NAME" in a 255-byte buffer: 249 bytes at most.
    if (Buffer.byteLength(name) > MEMFD_NAME_MAX) fail('EINVAL', 'memfd_create', 'memfd_create', `the name is longer than ${MEMFD_NAME_MAX} bytes`);
    return new ModelHostFile(this.proc);
  }
}
