/**
 * KVM or TCG for the outer VM. The host's KVM is used only when it can run an ordinary kernel
 * image AND give that guest KVM of its own (nested virtualisation); otherwise QEMU's TCG with an
 * AMD CPU model exposing SVM with nested paging, which the guest's kvm_amd accepts (measured here: README, Other kernels).
 */
import { onPvmHost } from '../pvmHost.js';
import { accessSync, constants, readFileSync } from 'node:fs';

export interface Acceleration {
  kind: 'kvm' | 'tcg';
  reason: string;
  qemuArgs: string[];
}

/** One vCPU: multi-threaded TCG with two vCPUs oopsed in the guest's code patching (measured here: README, Other kernels). */
const TCG: string[] = ['-accel', 'tcg', '-cpu', 'EPYC,+svm,+npt', '-smp', '1'];

function tcg(reason: string): Acceleration {
  return { kind: 'tcg', reason, qemuArgs: TCG };
}

function readParam(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function chooseAcceleration(env: NodeJS.ProcessEnv = process.env): Acceleration {
  if (env.GMEM_VM_ACCEL === 'tcg') return tcg('GMEM_VM_ACCEL=tcg');
  const device = '/dev/kvm';
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch {
    return tcg(`${device} is not usable here`);
  }
  if (onPvmHost()) return tcg("the host's KVM is paravirtual (kvm_pvm): it runs PVM guests, not an ordinary kernel image");
  const cpuinfo = readParam('/proc/cpuinfo') ?? '';
  const vendor = /\bsvm\b/.test(cpuinfo) ? 'kvm_amd' : /\bvmx\b/.test(cpuinfo) ? 'kvm_intel' : undefined;
  if (!vendor) return tcg('the host CPU shows neither svm nor vmx, so its KVM cannot give a guest KVM of its own');
  const nested = readParam(`/sys/module/${vendor}/parameters/nested`);
  if (nested !== 'Y' && nested !== '1') return tcg(`nested virtualisation is off in the host's ${vendor} (nested=${nested ?? 'unknown'}), so KVM inside the guest could not run`);
  return { kind: 'kvm', reason: `the host's ${vendor} offers nested virtualisation`, qemuArgs: ['-accel', 'kvm', '-cpu', 'host', '-smp', '2'] };
}
