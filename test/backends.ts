/**
 * The backends the shared tests run on. Each case either opens a Kvm or says why it is skipped,
 * so the same test code checks the model and (once it exists here) the kernel.
 */
import type { Kvm } from '../src/api.js';
import { openKvm } from '../src/open.js';
import { profileNames } from '../src/model/profile.js';
import { KVM_X86_VM_TYPES } from '../src/uapi/vmTypes.js';

export interface BackendCase {
  label: string;
  open(): Kvm;
  /** A reason to skip, or false. */
  skip: string | false;
}

export function backendCases(): BackendCase[] {
  return profileNames()
    .filter((profile) => profile === 'linux-6.18')
    .map((profile) => ({ label: `model ${profile}`, open: () => openKvm({ backend: 'model', profile }), skip: false as const }));
}

/** The VM types a backend offers (KVM_CAP_VM_TYPES; DEFAULT when the cap answers 0), by name. */
export function offeredVmTypes(kvm: Kvm): [string, number][] {
  const bits = kvm.checkExtension('KVM_CAP_VM_TYPES') || 1;
  return KVM_X86_VM_TYPES.entries().filter(([, t]) => (bits >>> t) & 1) as [string, number][];
}
