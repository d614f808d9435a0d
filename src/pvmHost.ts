/**
 * Whether this machine's KVM is the paravirtual kvm_pvm (the project's own hosts): its MMU exits
 * KVM_EXIT_MMIO where upstream does not, and it cannot run an ordinary kernel image as a guest.
 */
import { existsSync } from 'node:fs';

export function onPvmHost(): boolean {
  return existsSync('/sys/module/kvm_pvm');
}
