/**
 * The backends the shared tests run on. Each case either opens a Kvm or says why it is skipped,
 * so the same test code checks the model and the kernel.
 */
import assert from 'node:assert/strict';
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

/**
 * The kernel backend, or a skip with the reason. Under GMEM_REQUIRE_KERNEL=1 (CI where /dev/kvm
 * exists) an unusable kernel is not a skip: every test that opens it fails with the reason.
 */
export function kernelCase(): BackendCase {
  const available = kernelAvailability();
  if (available.usable) return { label: 'kernel', backend: 'kernel', open: () => openKvm({ backend: 'kernel' }), skip: false };
  const reason = `kernel backend unavailable: ${available.reason}`;
  if (requireKernel()) {
    return { label: 'kernel', backend: 'kernel', open: () => assert.fail(`GMEM_REQUIRE_KERNEL=1, but ${reason}`), skip: false };
  }
  return { label: 'kernel', backend: 'kernel', open: () => openKvm({ backend: 'kernel' }), skip: reason };
}

/** GMEM_REQUIRE_KERNEL=1: the kernel-backed tests must run (set by .ci/run where /dev/kvm exists). */
export function requireKernel(): boolean {
  return process.env.GMEM_REQUIRE_KERNEL === '1';
}

export function backendCases(): BackendCase[] {
  return [modelCase(), kernelCase()];
}

/** The VM types a backend offers (KVM_CAP_VM_TYPES; DEFAULT when the cap answers 0), by name. */
export function offeredVmTypes(kvm: Kvm): [string, number][] {
  const bits = kvm.checkExtension('KVM_CAP_VM_TYPES') || 1;
  return KVM_X86_VM_TYPES.entries().filter(([, t]) => (bits >>> t) & 1) as [string, number][];
}
