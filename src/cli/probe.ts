/** `gmem probe`: what guest_memfd offers on this backend, decoded, plus a live smoke check. */
import type { Kvm } from '../api.js';
import { capabilityLines, vmTypeReports, type CapabilityLine, type VmTypeReport } from './capabilityReport.js';
import { smokeCheck, type SmokeStep } from './smoke.js';
import { gmemFlagTable } from '../model/profile.js';
import { GUEST_MEMFD_FLAGS } from '../uapi/flags.js';
import type { FlagTable } from '../uapi/table.js';
import { supportedGuestMemfdFlags } from '../capabilities.js';
import { UPSTREAM_CAPS_AFTER_244 } from '../uapi/proposals.js';
import { choiceFor, releaseOfKernel } from '../model/hostConfig.js';
import { noGuestMemfd } from '../scenario/runner.js';

export interface ProbeReport {
  backend: string;
  /** Why this backend (e.g. "requested", or why the kernel was not usable). */
  backendReason: string;
  profile: string;
  profileDescription?: string;
  /** On the kernel: the release profile it matches (what conform --backend both judges it by), and why. */
  releaseProfile?: { name: string; note: string };
  /** On a kernel without guest_memfd: the one sentence that says so. */
  noGuestMemfd?: string;
  apiVersion: number;
  capabilities: CapabilityLine[];
  vmTypes: VmTypeReport[];
  inPlaceConversion: InPlaceReport;
  /** Every guest_memfd flag accepted at system scope, 64 bits (FLAGS | FLAGS_HI << 32 where the profile has FLAGS_HI). */
  guestMemfdFlags: { value: string; decoded: string[]; flagsHiCapability: number | null };
  smoke: SmokeStep[];
}

export function probe(kvm: Kvm, backendReason: string): ProbeReport {
  const features = kvm.features();
  const profile = features.profileData;
  const description = profile?.description;
  const flags = profile ? gmemFlagTable(profile) : GUEST_MEMFD_FLAGS;
  const inPlaceCap = features.inPlaceCapability;
  const release = kvm.backend === 'kernel' ? releaseOfKernel(kvm) : undefined;
  const none = noGuestMemfd(kvm);
  return {
    backend: kvm.backend,
    backendReason,
    profile: kvm.profile,
    ...(description ? { profileDescription: description } : {}),
    // The note is what conform --backend both and the fuzzer print: the release, and the in-place series as configured.
    ...(release ? { releaseProfile: { name: release.profile.name, note: choiceFor(kvm).note } } : {}),
    ...(none ? { noGuestMemfd: none } : {}),
    apiVersion: kvm.getApiVersion(),
    capabilities: capabilityLines(kvm, undefined, flags),
    vmTypes: vmTypeReports(kvm, flags),
    inPlaceConversion: inPlaceConversion(kvm),
    guestMemfdFlags: allFlags(kvm, flags, profile?.flagsHiCapability ?? null),
    smoke: smokeCheck(kvm),
  };
}

export interface InPlaceReport {
  available: boolean;
  /** The capability number asked (openKvm's inPlaceCapability, GMEM_INPLACE_CAP, or 250); 0 for RFC v2. */
  capability: number;
  /** Its answer at system scope. */
  value: number;
  /** kvm.gmem_in_place_conversion: 'Y', 'N', or 'absent' (no such parameter: no series). */
  parameter: 'Y' | 'N' | 'absent';
  detail: string;
}

/** What the in-place series says here: its capability (whose number is still moving) and its switch. */
export function inPlaceConversion(kvm: Kvm): InPlaceReport {
  const features = kvm.features();
  const parameter = features.inPlaceParameter ?? 'absent';
  if (features.conversion === 'convert') {
    return { available: true, capability: 0, value: 0, parameter, detail: 'KVM_GMEM_CONVERT_SHARED/_PRIVATE on the guest_memfd (RFC v2; no capability announces it)' };
  }
  const capability = features.inPlaceCapability;
  const value = kvm.checkExtension(capability);
  const upstream = UPSTREAM_CAPS_AFTER_244.nameOf(capability);
  const detail = [
    `KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES (number used: ${capability}) answers 0x${value.toString(16)}`,
    `kvm.gmem_in_place_conversion: ${parameter}`,
    ...(upstream ? [`note: upstream gave ${capability} to ${upstream}`] : []),
  ].join('; ');
  return { available: value !== 0, capability, value, parameter, detail };
}

function allFlags(kvm: Kvm, table: FlagTable<string>, hi: number | null): ProbeReport['guestMemfdFlags'] {
  const value = supportedGuestMemfdFlags(kvm, hi ?? undefined);
  const decoded = table.decode(value);
  const rest = table.unknownBits(value);
  if (rest) decoded.push(`0x${rest.toString(16)}`);
  return { value: `0x${value.toString(16)}`, decoded, flagsHiCapability: hi };
}

function capText(c: CapabilityLine): string {
  const value = c.decoded ? `0x${c.value.toString(16)}  ${c.decoded.length ? c.decoded.join(' | ') : '(none)'}` : String(c.value);
  return `  ${c.name.padEnd(28)} (${String(c.number).padStart(3)})  ${value}`;
}

export function formatProbe(r: ProbeReport): string {
  const lines = [
    `backend: ${r.backend} (${r.backendReason})`,
    `profile: ${r.profile}${r.profileDescription ? ` — ${r.profileDescription}` : ' (the running kernel)'}`,
    ...(r.releaseProfile ? [`release ${r.releaseProfile.note}`] : []),
    ...(r.noGuestMemfd ? [r.noGuestMemfd] : []),
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
  const f = r.guestMemfdFlags;
  lines.push('', `guest_memfd flags, all 64 bits${f.flagsHiCapability !== null ? ` (FLAGS | FLAGS_HI (${f.flagsHiCapability}) << 32)` : ''}: ${f.value}  ${f.decoded.join(' | ') || '(none)'}`);
  lines.push('', `In-place shared/private conversion: ${r.inPlaceConversion.available ? 'yes' : 'no'} — ${r.inPlaceConversion.detail}`, '', 'Smoke check:');
  for (const s of r.smoke) lines.push(`  ${s.skipped ? '-' : s.ok ? '✓' : '✗'} ${s.step}: ${s.detail}`);
  return lines.join('\n') + '\n';
}
