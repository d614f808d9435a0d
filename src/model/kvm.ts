/** The model's /dev/kvm: a fresh model process with its profile. */
import type { Features } from '../api.js';
import type { FileBackend, KvmBackend, VmBackend } from '../handles/backend.js';
import { PAGE_SIZE_N } from '../uapi/memory.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { capabilityAnswerFor } from './caps.js';
import { fail } from './fail.js';
import { ModelDescriptor } from './handle.js';
import { ModelProcess } from './process.js';
import { inPlaceCapability, type Profile } from './profile.js';
import { ModelVm } from './vm.js';

const MEMFD_NAME_MAX = 249;

/** A plain memfd: not a KVM file. */
class ModelHostFile extends ModelDescriptor {
  constructor(process: ModelProcess<unknown>) {
    super(process, { kind: 'memfd', put: () => {} });
  }
}

export class ModelKvm extends ModelDescriptor implements KvmBackend {
  constructor(readonly profile: Profile) {
    super(new ModelProcess<unknown>(profile.userAddressMax, PAGE_SIZE_N), { kind: 'kvm', put: () => {} });
  }

  features(): Features {
    const p = this.profile;
    return {
      backend: 'model',
      profile: p.name,
      profileData: p,
      conversion: p.inPlace?.ioctl,
      inPlaceCapability: inPlaceCapability(p),
      inPlaceParameter: p.gmemInPlaceConversion === undefined ? undefined : p.gmemInPlaceConversion ? 'Y' : 'N',
      pins: true,
      gmemFlagNames: new Set(Object.keys(p.gmemFlags.names)),
      memoryNodes: p.memoryNodes,
      transparentHugepages: p.transparentHugepages,
    };
  }

  /** Descriptors open in this model process, the three standard streams included (the leak checks read it). */
  get openDescriptors(): number {
    return this.process.openDescriptors;
  }

  /** Host mappings alive in this model process. */
  get liveMappings(): number {
    return this.process.mappingCount;
  }

  getApiVersion(): number {
    return this.profile.apiVersion;
  }

  checkExtension(cap: number | bigint): number {
    return capabilityAnswerFor(this.profile, BigInt(cap), null);
  }

  createVm(t: bigint): VmBackend {
    if (t >= 32n || !this.profile.vmTypes.includes(Number(t))) {
      const name = t < 32n ? KVM_X86_VM_TYPES.nameOf(Number(t)) : undefined;
      fail('EINVAL', `VM type ${t}${name ? ` (${name})` : ''} is not offered (KVM_CAP_VM_TYPES)`);
    }
    return new ModelVm(this.process, this.profile, Number(t));
  }

  memfdCreate(name: string): FileBackend {
    // memfd_create keeps the name as "memfd:NAME" in a 255-byte buffer: 249 bytes at most.
    if (Buffer.byteLength(name) > MEMFD_NAME_MAX) fail('EINVAL', `the name is longer than ${MEMFD_NAME_MAX} bytes`);
    return new ModelHostFile(this.process);
  }
}
