/** openKvm: the entry point that picks a backend (the one place that names the backends' classes). */
import type { Kvm, OpenKvmOptions } from './api.js';
import { invalidArgType, invalidArgValue, options } from './args.js';
import { KvmHandle } from './handles/kvm.js';
import { named } from './handles/named.js';
import { KVM_DEVICE, KernelKvm, kernelAvailability } from './kernel/kvm.js';
import { ModelKvm } from './model/kvm.js';
import { DEFAULT_PROFILE, getProfile, type Profile } from './model/profile.js';

/** Which backend was chosen, and why. */
export interface BackendChoice {
  backend: 'model' | 'kernel';
  reason: string;
}

/** Resolve 'auto' (the kernel when /dev/kvm is usable) and validate the name. */
export function chooseBackend(requested: OpenKvmOptions['backend'] = 'model'): BackendChoice {
  switch (requested) {
    case 'model':
    case 'kernel':
      return { backend: requested, reason: 'requested' };
    case 'auto': {
      const kernel = kernelAvailability();
      return kernel.usable
        ? { backend: 'kernel', reason: 'auto: /dev/kvm is usable' }
        : { backend: 'model', reason: `auto: ${kernel.reason}; using the model` };
    }
    default:
      throw invalidArgValue(`backend must be 'model', 'kernel' or 'auto', got ${JSON.stringify(requested)}`, 'RangeError');
  }
}

export function openKvm(opts?: OpenKvmOptions): Kvm {
  const o = options<OpenKvmOptions>(opts, 'options');
  const choice = chooseBackend(o.backend);
  if (o.unsafeRawAddresses !== undefined && typeof o.unsafeRawAddresses !== 'boolean') throw invalidArgType('unsafeRawAddresses must be a boolean');
  const unsafeRawAddresses = o.unsafeRawAddresses === true;
  if (choice.backend === 'kernel') {
    if (o.profile !== undefined) throw invalidArgValue('profile applies to the model only; the kernel is what it is');
    return openKernel({ unsafeRawAddresses, ...(o.inPlaceCapability !== undefined ? { inPlaceCapability: o.inPlaceCapability } : {}) });
  }
  if (o.inPlaceCapability !== undefined) throw invalidArgValue("inPlaceCapability applies to the kernel only; the model's profile numbers the capability");
  return openModel(o.profile ?? DEFAULT_PROFILE, { unsafeRawAddresses });
}

/** What openModel and openKernel take besides the backend. */
export interface OpenOptions {
  /** See OpenKvmOptions.unsafeRawAddresses. */
  unsafeRawAddresses?: boolean;
  /** See OpenKvmOptions.inPlaceCapability (the kernel only). */
  inPlaceCapability?: number;
}

/** A model Kvm: a fresh model process following `profile` (a name or a profile's data). */
export function openModel(profile: string | Profile = DEFAULT_PROFILE, opts: OpenOptions = {}): Kvm {
  const data = typeof profile === 'object' && profile !== null ? profile : getProfile(profile);
  return new KvmHandle(new ModelKvm(data), opts.unsafeRawAddresses === true);
}

/** /dev/kvm (GMEM_KVM_DEVICE names another device). */
export function openKernel(opts: OpenOptions = {}): Kvm {
  let backend: KernelKvm;
  try {
    backend = KernelKvm.open(KVM_DEVICE, opts.inPlaceCapability !== undefined ? { inPlaceCapability: opts.inPlaceCapability } : {});
  } catch (err) {
    throw named(err, 'open', `open ${KVM_DEVICE}`);
  }
  return new KvmHandle(backend, opts.unsafeRawAddresses === true);
}
