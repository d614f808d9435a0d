/**
 * A profile configured like a given kernel: the same release rules, with the switches that are
 * kernel *configuration* (which VM types exist, whether VM memory attributes are built in,
 * two-dimensional paging) read from the kernel's own capability answers. This is what a
 * differential run compares against, so that only behaviour can differ, never configuration.
 * It never copies behaviour: a rule the kernel breaks stays upstream's rule in the model.
 */
import type { Kvm } from '../api.js';
import { LINUX_6_18, type Profile } from './profile.js';

export function profileLike(kvm: Kvm, base: Profile = LINUX_6_18): Profile {
  const vmTypesBitmap = kvm.checkExtension('KVM_CAP_VM_TYPES') || 1;
  const vmTypes = base.vmTypes.filter((t) => (vmTypesBitmap >>> t) & 1);
  return {
    ...base,
    name: `${base.name} configured like this kernel`,
    description: `${base.description}; VM types, VM memory attributes and TDP as this kernel reports them`,
    vmTypes,
    vmMemoryAttributes: kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES') !== 0,
    tdp: kvm.checkExtension('KVM_CAP_PRE_FAULT_MEMORY') !== 0,
    userMemSlots: kvm.checkExtension('KVM_CAP_NR_MEMSLOTS') || base.userMemSlots,
    // The capability answers 0 when the kernel has a single address space (no SMM).
    addressSpaces: Math.max(1, kvm.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE')),
  };
}
