/** The public /dev/kvm handle. */
import type { CapabilityInput, Features, HostFile, Kvm, Vm, VmTypeInput } from '../api.js';
import { capabilityArg, invalidArgType, vmTypeNumber } from '../args.js';
import type { FileBackend, KvmBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';
import { VmHandle } from './vm.js';

/** A plain file (memfd): nothing to do but close it. */
class HostFileHandle extends FdHandleBase<FileBackend> implements HostFile {
  constructor(backend: FileBackend) {
    super(backend);
  }
}

export class KvmHandle extends FdHandleBase<KvmBackend> implements Kvm {
  readonly #features: Features;
  readonly #rawAddresses: boolean;

  /** `rawAddresses`: openKvm's unsafeRawAddresses, passed to every VM. */
  constructor(backend: KvmBackend, rawAddresses = false) {
    super(backend);
    this.#features = Object.freeze(backend.features());
    this.#rawAddresses = rawAddresses;
  }

  get backend(): Features['backend'] {
    return this.#features.backend;
  }

  get profile(): string {
    return this.#features.profile;
  }

  features(): Features {
    return this.#features;
  }

  getApiVersion(): number {
    return this.sys('ioctl', 'KVM_GET_API_VERSION', (b) => b.getApiVersion());
  }

  checkExtension(cap: CapabilityInput): number {
    const n = capabilityArg(cap);
    return this.sys('ioctl', 'KVM_CHECK_EXTENSION', (b) => b.checkExtension(n));
  }

  createVm(type?: VmTypeInput): Vm {
    const t = vmTypeNumber(type);
    return new VmHandle(this.sys('ioctl', 'KVM_CREATE_VM', (b) => b.createVm(t)), this.#rawAddresses);
  }

  memfdCreate(name = 'gmem'): HostFile {
    if (typeof name !== 'string') throw invalidArgType('name must be a string');
    return new HostFileHandle(this.sys('memfd_create', 'memfd_create', (b) => b.memfdCreate(name)));
  }
}
