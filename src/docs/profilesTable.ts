/**
 * docs/profiles.md, generated from the profile data (npm run docs) so the comparison cannot
 * drift from what the model does; a test checks the committed file is what this prints.
 */
import { capabilityAnswer, supportedGmemFlags } from '../model/caps.js';
import { getProfile, profileNames, type Profile } from '../model/profile.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_X86_VM_TYPES, decodeVmTypes } from '../uapi/vmTypes.js';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const SW = KVM_X86_VM_TYPES.byName.KVM_X86_SW_PROTECTED_VM;

function flags(p: Profile): string {
  return Object.entries(p.gmemFlags.names).map(([n, v]) => `${n.replace('GUEST_MEMFD_FLAG_', '')}=${hex(v)}`).join(', ');
}

function row(p: Profile): string[] {
  const cap = (name: keyof typeof KVM_CAPS.byName, vm: number | null) => capabilityAnswer(p, KVM_CAPS.byName[name], vm);
  const conversion = p.inPlace ? (p.inPlace.ioctl === 'attributes2' ? `KVM_SET_MEMORY_ATTRIBUTES2 (cap ${p.inPlace.capability})` : 'KVM_GMEM_CONVERT_SHARED/_PRIVATE') : 'none (VM attributes)';
  const rules = [
    p.defaultShared ? 'files start shared unless INIT_PRIVATE' : 'files start private unless INIT_SHARED',
    p.initSharedWithPrivateMem ? 'INIT_SHARED offered to private-memory VMs' : 'no INIT_SHARED for private-memory VMs',
    p.hugePages ? `huge pages 2^${p.hugePages.sizesLog2.join('/2^')} (size field at bit ${p.hugePages.shift}), split on conversion, whole when private` : '',
    p.flagsHiCapability ? `flags 63:32 via KVM_CAP_GUEST_MEMFD_FLAGS_HI (${p.flagsHiCapability})` : '',
    p.gmemFlags.write || p.gmemFlags.read ? 'read()/write() on shared pages' : '',
    p.seals ? 'READ/WRITE can be sealed' : '',
  ].filter(Boolean);
  return [
    `\`${p.name}\``,
    p.status,
    flags(p),
    hex(supportedGmemFlags(p, null)),
    hex(supportedGmemFlags(p, SW)),
    String(cap('KVM_CAP_MEMORY_ATTRIBUTES', null)),
    decodeVmTypes(cap('KVM_CAP_VM_TYPES', null)).map((t) => t.replace('KVM_X86_', '').replace('_VM', '')).join(' '),
    conversion,
    rules.join('; '),
  ];
}

export function profilesTable(): string {
  const header = ['profile', 'status', 'guest_memfd flags', 'FLAGS (system)', 'FLAGS (SW_PROTECTED VM)', 'MEMORY_ATTRIBUTES', 'VM types', 'conversion ioctl', 'rules that differ'];
  const lines = [
    '# Profiles compared',
    '',
    'Generated from the profile data in `src/model/profile.ts` by `npm run docs`; a test fails when',
    'this file and the data disagree. FLAGS columns are the full 64-bit sets (KVM_CAP_GUEST_MEMFD_FLAGS,',
    'with KVM_CAP_GUEST_MEMFD_FLAGS_HI where a profile has it). Proposals are interfaces still under',
    'review: their numbers are the model\'s reading of the series and may change.',
    '',
    ...profileNames().map((n) => `- \`${n}\`: ${getProfile(n).description}`),
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...profileNames().map((n) => `| ${row(getProfile(n)).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(profilesTable());
