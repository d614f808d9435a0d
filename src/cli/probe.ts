/** `gmem probe`: what guest_memfd offers on this backend, decoded, plus a live smoke check. */
import type { Kvm } from '../api.js';
import { capabilityLines, vmTypeReports, type CapabilityLine, type VmTypeReport } from './capabilityReport.js';
import { smokeCheck, type SmokeStep } from './smoke.js';
import { getProfile } from '../model/profile.js';

export interface ProbeReport {
  backend: string;
  /** Why this backend (e.g. "requested", or why the kernel was not usable). */
  backendReason: string;
  profile: string;
  profileDescription?: string;
  apiVersion: number;
  capabilities: CapabilityLine[];
  vmTypes: VmTypeReport[];
  inPlaceConversion: { available: boolean; detail: string };
  smoke: SmokeStep[];
}

export function probe(kvm: Kvm, backendReason: string): ProbeReport {
  const description = kvm.backend === 'model' ? getProfile(kvm.profile).description : undefined;
  return {
    backend: kvm.backend,
    backendReason,
    profile: kvm.profile,
    ...(description ? { profileDescription: description } : {}),
    apiVersion: kvm.getApiVersion(),
    capabilities: capabilityLines(kvm),
    vmTypes: vmTypeReports(kvm),
    inPlaceConversion: { available: false, detail: 'Linux 6.18 has no in-place conversion ioctl (profile linux-6.18)' },
    smoke: smokeCheck(kvm),
  };
}

function capText(c: CapabilityLine): string {
  const value = c.decoded ? `0x${c.value.toString(16)}  ${c.decoded.length ? c.decoded.join(' | ') : '(none)'}` : String(c.value);
  return `  ${c.name.padEnd(28)} (${String(c.number).padStart(3)})  ${value}`;
}

export function formatProbe(r: ProbeReport): string {
  const lines = [
    `backend: ${r.backend} (${r.backendReason})`,
    `profile: ${r.profile}${r.profileDescription ? ` — ${r.profileDescription}` : ''}`,
    `KVM_GET_API_VERSION: ${r.apiVersion}`,
    '',
    'Capabilities at system scope (KVM_CHECK_EXTENSION on /dev/kvm):',
    ...r.capabilities.map(capText),
    '',
    'VM types (KVM_CHECK_EXTENSION on a VM of each type):',
  ];
  for (const t of r.vmTypes) {
    lines.push(`  ${t.name} (${t.type})${t.created ? '' : `: KVM_CREATE_VM failed with ${t.error}`}`);
    for (const c of t.capabilities) lines.push(`  ${capText(c)}`);
  }
  lines.push('', `In-place shared/private conversion: ${r.inPlaceConversion.available ? 'yes' : 'no'} — ${r.inPlaceConversion.detail}`, '', 'Smoke check:');
  for (const s of r.smoke) lines.push(`  ${s.ok ? '✓' : '✗'} ${s.step}: ${s.detail}`);
  return lines.join('\n') + '\n';
}
