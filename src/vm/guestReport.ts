/**
 * Runs inside the guest before the command (the init script calls it): one line saying which
 * VM types this kernel's KVM offers, in the framing the host reads off the console.
 */
import { kernelAvailability } from '../kernel/kvm.js';
import { openKvm } from '../open.js';
import { decodeVmTypes } from '../uapi/vmTypes.js';
import { MARKER } from './protocol.js';

const available = kernelAvailability();
if (!available.usable) {
  process.stdout.write(`${MARKER} vmtypes ? (${available.reason})\n`);
} else {
  const kvm = openKvm({ backend: 'kernel' });
  try {
    const bitmap = kvm.checkExtension('KVM_CAP_VM_TYPES');
    const names = bitmap ? decodeVmTypes(bitmap).map((n) => n.replace(/^KVM_X86_/, '').replace(/_VM$/, '')) : ['DEFAULT'];
    process.stdout.write(`${MARKER} vmtypes ${names.join(',')}${bitmap ? '' : ' (KVM_CAP_VM_TYPES is 0)'}\n`);
  } finally {
    kvm.close();
  }
}
