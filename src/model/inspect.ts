/**
 * The model's state behind a public handle, for the explorer and for tests that look inside
 * the model. A handle keeps its backend private; the handle layer's registry gives it back, and
 * only here, inside the model, is it recognised as one of the model's own objects. Anything
 * else (a kernel handle, a plain value) answers undefined.
 */
import { backendOf } from '../handles/registry.js';
import { ModelGuestMemfd } from './guestMemfd/handle.js';
import type { GmemInode } from './guestMemfd/inode.js';
import { ModelHostMapping } from './hostMapping.js';
import { ModelKvm } from './kvm.js';
import { ModelVm } from './vm.js';
import type { VmState } from './vmState.js';

/** The inode behind a guest_memfd handle of the model. */
export function modelInode(handle: unknown): GmemInode | undefined {
  const b = backendOf(handle);
  return b instanceof ModelGuestMemfd ? b.inode : undefined;
}

/** The model mapping behind a host-mapping handle. */
export function modelMapping(handle: unknown): ModelHostMapping | undefined {
  const b = backendOf(handle);
  return b instanceof ModelHostMapping ? b : undefined;
}

/** The VM state behind a VM handle of the model. */
export function modelVmState(handle: unknown): VmState | undefined {
  const b = backendOf(handle);
  return b instanceof ModelVm ? b.state : undefined;
}

/** Descriptors and mappings alive in the model process behind a Kvm handle (the leak checks read them). */
export function modelProcessCounts(handle: unknown): { openDescriptors: number; liveMappings: number } | undefined {
  const b = backendOf(handle);
  return b instanceof ModelKvm ? { openDescriptors: b.openDescriptors, liveMappings: b.liveMappings } : undefined;
}
