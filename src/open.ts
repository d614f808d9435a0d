/** openKvm: the entry point that picks a backend. */
import type { Kvm, OpenKvmOptions } from './api.js';
import { options } from './args.js';
import { ModelKvm } from './model/kvm.js';
import { DEFAULT_PROFILE, getProfile } from './model/profile.js';

/** Which backend `auto` chose, and why. */
export interface BackendChoice {
  backend: 'model' | 'kernel';
  reason: string;
}

export function chooseBackend(requested: OpenKvmOptions['backend'] = 'model'): BackendChoice {
  switch (requested) {
    case 'model':
      return { backend: 'model', reason: 'requested' };
    case 'auto':
      return { backend: 'model', reason: 'the kernel backend is not built yet: using the model' };
    case 'kernel':
      return { backend: 'kernel', reason: 'requested' };
    default:
      throw new RangeError(`backend must be 'model', 'kernel' or 'auto', got ${JSON.stringify(requested)}`);
  }
}

export function openKvm(opts?: OpenKvmOptions): Kvm {
  const o = options<OpenKvmOptions>(opts, 'options');
  const choice = chooseBackend(o.backend);
  if (choice.backend === 'kernel') {
    throw new Error('the kernel backend is not available in this version; use backend "model"');
  }
  return new ModelKvm(getProfile(o.profile ?? DEFAULT_PROFILE));
}
