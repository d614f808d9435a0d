/**
 * The backends the shared tests run on. Each case either opens a Kvm or says why it is skipped,
 * so the same test code checks the model and the kernel.
 */
import type { Kvm } from '../src/api.js';
import { openKvm } from '../src/open.js';
import { kernelAvailability } from '../src/kernel/kvm.js';
import { KVM_X86_VM_TYPES } from '../src/uapi/vmTypes.js';

export interface BackendCase {
  label: string;
  backend: 'model' | 'kernel';
  open(): Kvm;
  /** A reason to skip, or false. */
  skip: string | false;
}

export function modelCase(profile = 'linux-6.18'): BackendCase {
  return { label: `model ${profile}`, backend: 'model', open: () => openKvm({ backend: 'model', profile }), skip: false };
}

export function kernelCase(): BackendCase {
  const available = kernelAvailability();
  return {
    label: 'kernel',
    backend: 'kernel',
    open: () => openKvm({ backend: 'kernel' }),
    skip: available.usable ? false : `kernel backend unavailable: ${available.reason}`,
  };
}

export function backendCases(): BackendCase[] {
  return [modelCase(), kernelCase()];
}

/** The VM types a backend offers (KVM_CAP_VM_TYPES; DEFAULT when the cap answers 0), by name. */
export function offeredVmTypes(kvm: Kvm): [string, number][] {
  const bits = kvm.checkExtension('KVM_CAP_VM_TYPES') || 1;
  return KVM_X86_VM_TYPES.entries().filter(([, t]) => (bits >>> t) & 1) as [string, number][];
}
