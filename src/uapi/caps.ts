/** KVM_CHECK_EXTENSION capability numbers that this project knows by name. */
import { constantTable } from './table.js';

export const KVM_CAPS = constantTable('capability', {
  KVM_CAP_USER_MEMORY: 3,
  KVM_CAP_NR_MEMSLOTS: 10,
  KVM_CAP_READONLY_MEM: 81,
  KVM_CAP_MULTI_ADDRESS_SPACE: 118,
  KVM_CAP_MAX_VCPU_ID: 128,
  KVM_CAP_IMMEDIATE_EXIT: 136,
  KVM_CAP_USER_MEMORY2: 231,
  KVM_CAP_MEMORY_FAULT_INFO: 232,
  KVM_CAP_MEMORY_ATTRIBUTES: 233,
  KVM_CAP_GUEST_MEMFD: 234,
  KVM_CAP_VM_TYPES: 235,
  KVM_CAP_PRE_FAULT_MEMORY: 236,
  KVM_CAP_GUEST_MEMFD_FLAGS: 244,
});
export type KvmCapName = keyof typeof KVM_CAPS.byName;

/** The capabilities that describe guest_memfd and private memory, in the order `gmem probe` shows them. */
export const GUEST_MEMFD_CAPS = [
  'KVM_CAP_USER_MEMORY2',
  'KVM_CAP_MEMORY_FAULT_INFO',
  'KVM_CAP_MEMORY_ATTRIBUTES',
  'KVM_CAP_GUEST_MEMFD',
  'KVM_CAP_VM_TYPES',
  'KVM_CAP_PRE_FAULT_MEMORY',
  'KVM_CAP_GUEST_MEMFD_FLAGS',
] as const satisfies readonly KvmCapName[];
