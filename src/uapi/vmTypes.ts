/** x86 VM types for KVM_CREATE_VM. */
import { constantTable } from './table.js';

export const KVM_X86_VM_TYPES = constantTable('VM type', {
  KVM_X86_DEFAULT_VM: 0,
  KVM_X86_SW_PROTECTED_VM: 1,
  KVM_X86_SEV_VM: 2,
  KVM_X86_SEV_ES_VM: 3,
  KVM_X86_SNP_VM: 4,
  KVM_X86_TDX_VM: 5,
});
export type VmTypeName = keyof typeof KVM_X86_VM_TYPES.byName;

/** VM types whose memory can be private (the VM has private memory in the kernel's sense). */
export const VM_TYPES_WITH_PRIVATE_MEMORY: ReadonlySet<number> = new Set([
  KVM_X86_VM_TYPES.byName.KVM_X86_SW_PROTECTED_VM,
  KVM_X86_VM_TYPES.byName.KVM_X86_SNP_VM,
  KVM_X86_VM_TYPES.byName.KVM_X86_TDX_VM,
]);

/** Decode a KVM_CAP_VM_TYPES bitmap into type names (unknown bits as "type N"). */
export function decodeVmTypes(bitmap: number): string[] {
  const out: string[] = [];
  for (let t = 0; t < 32; t++) {
    if ((bitmap >>> t) & 1) out.push(KVM_X86_VM_TYPES.nameOf(t) ?? `type ${t}`);
  }
  return out;
}
