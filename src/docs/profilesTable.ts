/**
 * docs/profiles.md, generated from the profile data (npm run docs) so the comparison cannot
 * drift from what the model does; a test checks the committed file is what this prints. One
 * table per feature, a row per profile, each row with the kernel change or posting it comes from
 * (the profile's `sources`).
 */
import { capabilityAnswer, supportedGmemFlags } from '../model/caps.js';
import { PROFILE_FEATURES, getProfile, profileAliases, profileNames, type Profile, type ProfileFeature } from '../model/profile.js';
import { CHANGES_AFTER_6_18, RELEASE_RULE_FEATURES, changesUpTo, ruleSource, type ReleaseChange, type ReleaseRuleFeature, type ReleaseRules } from '../model/releases.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_X86_VM_TYPES, decodeVmTypes } from '../uapi/vmTypes.js';

const hex = (v: bigint | number) => `0x${v.toString(16)}`;
const SW = KVM_X86_VM_TYPES.byName.KVM_X86_SW_PROTECTED_VM;
const NONE = '—';
const cap = (p: Profile, name: keyof typeof KVM_CAPS.byName, vm: number | null) => capabilityAnswer(p, KVM_CAPS.byName[name], vm);

/** What a profile has for each feature, in words; undefined where it has none. */
const FEATURE_VALUES: Readonly<Record<ProfileFeature, (p: Profile) => string | undefined>> = {
  flags: (p) =>
    `${Object.keys(p.gmemFlags.names).length === 0 ? 'none' : ''}${Object.entries(p.gmemFlags.names).map(([n, v]) => `${n.replace('GUEST_MEMFD_FLAG_', '')}=${hex(v)}`).join(', ')}; KVM_CAP_GUEST_MEMFD_FLAGS ${hex(cap(p, 'KVM_CAP_GUEST_MEMFD_FLAGS', null))} (system), ${hex(cap(p, 'KVM_CAP_GUEST_MEMFD_FLAGS', SW))} (SW_PROTECTED VM)`,
  initShared: (p) => (p.gmemFlags.initShared === 0n ? undefined : p.initSharedWithPrivateMem ? 'offered' : 'refused (EINVAL)'),
  vmAttributes: (p) =>
    !p.vmMemoryAttributes
      ? 'compiled out: ENOTTY whatever the arguments; KVM_CAP_MEMORY_ATTRIBUTES 0'
      : p.inPlace
        ? 'exists, refuses PRIVATE (EINVAL); KVM_CAP_MEMORY_ATTRIBUTES 0'
        : `sets PRIVATE; KVM_CAP_MEMORY_ATTRIBUTES ${cap(p, 'KVM_CAP_MEMORY_ATTRIBUTES', SW)} (SW_PROTECTED VM)`,
  conversion: (p) =>
    !p.inPlace
      ? p.gmemInPlaceConversion === false
        ? 'none: KVM_SET_MEMORY_ATTRIBUTES2 answers ENOTTY'
        : p.vmMemoryAttributes
          ? 'none: PRIVATE is a VM attribute'
          : undefined
      : p.inPlace.ioctl === 'attributes2'
        ? `KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd; capability ${p.inPlace.capability} answers ${hex(capabilityAnswer(p, p.inPlace.capability ?? 0, SW))} (SW_PROTECTED VM)`
        : 'KVM_GMEM_CONVERT_SHARED/_PRIVATE on the guest_memfd; no capability; files start shared unless INIT_PRIVATE',
  parameter: (p) => (p.gmemInPlaceConversion === undefined ? undefined : p.gmemInPlaceConversion ? 'Y' : 'N'),
  hugePages: (p) =>
    p.hugePages
      ? `HUGETLB=${hex(p.gmemFlags.hugetlb ?? 0n)}; log2 page size in flags bits ${p.hugePages.shift + 5}:${p.hugePages.shift} (0: 2^${p.hugePages.defaultLog2}); sizes 2^${p.hugePages.sizesLog2.join(', 2^')}; split when shared, whole when private`
      : undefined,
  flagsHi: (p) => (p.flagsHiCapability ? `KVM_CAP_GUEST_MEMFD_FLAGS_HI (${p.flagsHiCapability}, hypothetical) answers ${hex(capabilityAnswer(p, p.flagsHiCapability, null))}` : undefined),
  readWrite: (p) => (p.gmemFlags.write || p.gmemFlags.read ? 'read()/write() on shared pages' : undefined),
  seals: (p) => (p.seals ? 'READ/WRITE withdrawn for good (addSeals)' : undefined),
};

/** A release rule's value in words. */
const RULE_VALUES: Readonly<Record<ReleaseRuleFeature, (r: ReleaseRules) => string>> = {
  guestMemfd: (r) => (r.guestMemfd ? 'exists; KVM_CAP_GUEST_MEMFD 1' : 'absent: ENOTTY; KVM_CAP_GUEST_MEMFD 0'),
  overlappingBindingErrno: (r) => r.overlappingBindingErrno,
  mempolicy: (r) =>
    r.mempolicy
      ? "kept on the file's pages: every mapping of the file reads it, it outlives the mapping that set it, and pages are allocated by it"
      : 'kept on the mapping that set it: another mapping of the file reads MPOL_DEFAULT; pages go to the local node whatever it says',
};

function ruleSection(feature: ReleaseRuleFeature, names: readonly string[]): string[] {
  const rows = names.map((n) => {
    const rules = getProfile(n).release;
    const gmem = rules.guestMemfd || feature === 'guestMemfd';
    return `| \`${n}\` | ${gmem ? RULE_VALUES[feature](rules) : NONE} | ${gmem ? ruleSource(rules, feature) : NONE} |`;
  });
  return [`## ${RELEASE_RULE_FEATURES[feature]}`, '', '| profile | what it does | from |', '| --- | --- | --- |', ...rows, ''];
}

/** A fix after 6.18 of a divergence older releases show: which profiles have it. */
function fixSection(change: ReleaseChange, names: readonly string[]): string[] {
  const rows = names.map((n) => {
    const rules = getProfile(n).release;
    if (!rules.guestMemfd) return `| \`${n}\` | ${NONE} | ${NONE} |`;
    const fixed = changesUpTo(rules.release.replace(/^linux-/, '')).includes(change);
    return `| \`${n}\` | ${fixed ? 'fixed' : `not fixed: the known divergence \`${change.fixes}\` (catalog/divergences.json); the model keeps the fixed rule`} | ${fixed ? `${change.change} (here from ${change.since}; seen: ${change.seen})` : RULE_SOURCES_BEFORE_FIX} |`;
  });
  return [`## ${change.change}`, '', '| profile | what it does | from |', '| --- | --- | --- |', ...rows, ''];
}
const RULE_SOURCES_BEFORE_FIX = 'Linux 6.18 as released (proposals built on 6.18 keep its rules)';

function featureSection(feature: ProfileFeature, names: readonly string[]): string[] {
  const rows = names.map((n) => {
    const p = getProfile(n);
    const value = FEATURE_VALUES[feature](p);
    return `| \`${n}\` | ${value ?? NONE} | ${value === undefined ? NONE : p.sources[feature] ?? NONE} |`;
  });
  return [`## ${PROFILE_FEATURES[feature]}`, '', '| profile | what it offers | from |', '| --- | --- | --- |', ...rows, ''];
}

/** Every feature a profile has without a source (the test of docs/profiles.md keeps this empty). */
export function missingSources(): string[] {
  const missing: string[] = [];
  for (const n of profileNames()) {
    const p = getProfile(n);
    for (const f of Object.keys(PROFILE_FEATURES) as ProfileFeature[]) if (FEATURE_VALUES[f](p) !== undefined && !p.sources[f]) missing.push(`${n}: ${f}`);
  }
  return missing;
}

export function profilesTable(): string {
  const names = profileNames();
  const lines = [
    '# Profiles compared',
    '',
    'Generated from the profile data in `src/model/profile.ts` by `npm run docs`; a test fails when',
    'this file and the data disagree. Each feature has a table: what each profile offers, and the',
    'kernel change or posting it comes from. Proposals are interfaces still under review: their',
    'numbers are the model\'s reading of the series and may change.',
    ...Object.entries(profileAliases()).map(([alias, name]) => `\`${alias}\` is another name for \`${name}\`.`),
    '',
    '| profile | status | VM types | description |',
    '| --- | --- | --- | --- |',
    ...names.map((n) => {
      const p = getProfile(n);
      const types = decodeVmTypes(cap(p, 'KVM_CAP_VM_TYPES', null)).map((t) => t.replace('KVM_X86_', '').replace('_VM', '')).join(' ');
      return `| \`${n}\` | ${p.status} | ${types} | ${p.description} |`;
    }),
    '',
    ...(Object.keys(PROFILE_FEATURES) as ProfileFeature[]).flatMap((f) => featureSection(f, names)),
    '# Rules that differ between released kernels',
    '',
    "From `src/model/releases.ts`: each release profile is 6.18 with the changes after it applied; a",
    "proposal keeps the rules of the release it is built on (6.18). A kernel is judged by the release",
    'profile `gmem probe` and `gmem conform --backend both` choose for it.',
    '',
    ...(Object.keys(RELEASE_RULE_FEATURES) as ReleaseRuleFeature[]).flatMap((f) => ruleSection(f, names)),
    ...CHANGES_AFTER_6_18.filter((c) => c.fixes).flatMap((c) => fixSection(c, names)),
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(profilesTable());
