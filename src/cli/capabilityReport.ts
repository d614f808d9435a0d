/** What `gmem probe` reports: the capabilities of a Kvm, decoded by name, as plain data. */
import type { Kvm } from '../api.js';
import { KVM_CAPS, GUEST_MEMFD_CAPS, type KvmCapName } from '../uapi/caps.js';
import { GUEST_MEMFD_FLAGS, MEMORY_ATTRIBUTES } from '../uapi/flags.js';
import { KVM_X86_VM_TYPES, decodeVmTypes } from '../uapi/vmTypes.js';
import { isKvmError } from '../errors.js';
import type { FlagTable } from '../uapi/table.js';

export interface CapabilityLine {
  name: KvmCapName;
  number: number;
  value: number;
  /** The value decoded by name, for bitmask capabilities. */
  decoded?: string[];
}

export interface VmTypeReport {
  type: number;
  name: string;
  /** Whether KVM_CREATE_VM succeeded (the error code when it did not). */
  created: boolean;
  error?: string;
  capabilities: CapabilityLine[];
}

/** "A|B" -> ["A", "B"]; "0" -> []. */
const names = (formatted: string): string[] => (formatted === '0' ? [] : formatted.split('|'));

/** Capabilities whose value is a bitmask worth decoding. */
function decode(name: KvmCapName, value: number, gmemFlags: FlagTable<string>): string[] | undefined {
  switch (name) {
    case 'KVM_CAP_GUEST_MEMFD_FLAGS':
      return names(gmemFlags.format(value));
    case 'KVM_CAP_MEMORY_ATTRIBUTES':
      return names(MEMORY_ATTRIBUTES.format(value));
    case 'KVM_CAP_VM_TYPES':
      return decodeVmTypes(value);
    default:
      return undefined;
  }
}

/**
 * The capabilities `names` of `source`, decoded. `gmemFlags` names the guest_memfd flags (they
 * differ between proposals; the kernel's are 6.18's).
 */
export function capabilityLines(
  source: Pick<Kvm, 'checkExtension'>,
  names: readonly KvmCapName[] = GUEST_MEMFD_CAPS,
  gmemFlags: FlagTable<string> = GUEST_MEMFD_FLAGS,
): CapabilityLine[] {
  return names.map((name) => {
    const value = source.checkExtension(name);
    const decoded = decode(name, value, gmemFlags);
    return { name, number: KVM_CAPS.byName[name], value, ...(decoded ? { decoded } : {}) };
  });
}

/** Per-VM-type answers that depend on the type: which flags, which attributes. */
const PER_VM_CAPS: readonly KvmCapName[] = ['KVM_CAP_GUEST_MEMFD_FLAGS', 'KVM_CAP_MEMORY_ATTRIBUTES'];

export function vmTypeReports(kvm: Kvm, gmemFlags: FlagTable<string> = GUEST_MEMFD_FLAGS): VmTypeReport[] {
  const offered = kvm.checkExtension('KVM_CAP_VM_TYPES');
  return KVM_X86_VM_TYPES.entries()
    .filter(([, type]) => (offered >>> type) & 1)
    .map(([name, type]) => {
      try {
        const vm = kvm.createVm(type);
        try {
          return { type, name, created: true, capabilities: capabilityLines(vm, PER_VM_CAPS, gmemFlags) };
        } finally {
          vm.close();
        }
      } catch (err) {
        if (!isKvmError(err)) throw err;
        return { type, name, created: false, error: err.code, capabilities: [] };
      }
    });
}
