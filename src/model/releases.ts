/**
 * The released kernels' guest_memfd as data: the rules that changed between releases, each
 * stated once with the kernel change that introduced it. A release profile is linux-6.18 (the
 * base, profile.ts) with the changes after it applied, or with the changes up to it taken back.
 * The engine reads `ReleaseRules`; nothing here is code.
 *
 * Each rule was decided by running the release (Debian's cloud-amd64 builds under `gmem vm`),
 * except where a comment says it was not seen.
 */

/** The switches that differ between released kernels. */
export interface ReleaseRules {
  /** The release whose catalog expectations apply (a scenario's `expectBy` key). */
  readonly release: string;
  /** KVM_CREATE_GUEST_MEMFD exists (KVM_CAP_GUEST_MEMFD answers 1); false: ENOTTY, capability 0. */
  readonly guestMemfd: boolean;
  /** The errno of a binding that overlaps a range of the same file bound to another slot. */
  readonly overlappingBindingErrno: 'EINVAL' | 'EEXIST';
  /**
   * guest_memfd has the set_policy/get_policy vm_ops: an mbind on a mapping also sets the file's
   * shared policy, get_mempolicy reads the file's (every mapping sees it), and pages are allocated
   * by it (false: mbind still succeeds, but the policy stays on that mapping's VMA and allocation
   * ignores it). src/model/mempolicy.ts.
   */
  readonly mempolicy: boolean;
}

/** A change between two releases: its upstream subject, the first release with it, what it sets. */
export interface ReleaseChange {
  /** The kernel commit's subject (or series), so a reader can find it. */
  readonly change: string;
  /** The first release (major.minor) known to have it. */
  readonly since: string;
  /** The rules it changes; empty when it fixes a bug the model never had (see `fixes`). */
  readonly rules: Partial<Omit<ReleaseRules, 'release'>>;
  /** A known divergence (catalog/divergences.json) of older releases that this change ends. */
  readonly fixes?: string;
  /** How the rule was decided. */
  readonly seen: string;
}

/** The rules of linux-6.18, the base every release profile is stated against. */
export const LINUX_6_18_RULES: ReleaseRules = {
  release: 'linux-6.18',
  guestMemfd: true,
  overlappingBindingErrno: 'EINVAL',
  mempolicy: false,
};

/**
 * Not a change: MADV_COLLAPSE on a guest_memfd mapping is EINVAL in 6.18 as in 7.x (the 7.x
 * selftest "collapse" only pins it down). Seen: `gmem vm --kernel debian:6.18 -- gmem run
 * catalog/mmap/madvise.json --backend kernel` and the same on debian:7.3, both EINVAL; the model
 * refuses it for every profile (guestMemfd/mmap.ts).
 *
 * After 6.18. Debian carries no 6.19, 7.0 or 7.1 modules any more, so "since" is the first
 * release here that has the change (7.2), not necessarily the first upstream.
 */
export const CHANGES_AFTER_6_18: readonly ReleaseChange[] = [
  {
    change: 'KVM: guest_memfd: Return -EEXIST for overlapping bindings',
    since: '7.2',
    rules: { overlappingBindingErrno: 'EEXIST' },
    seen: 'Debian 7.2.13 and 7.3.4: EEXIST; 6.18.15: EINVAL (catalog memslot.binding_rules)',
  },
  {
    change: 'KVM: guest_memfd: bind offset check without the loff_t wrap',
    since: '7.2',
    rules: {},
    fixes: 'gmem-bind-loff-overflow',
    seen: 'Debian 7.2.13 and 7.3.4 refuse offset 2^63 - 4096 with EINVAL; 6.18.15 binds it',
  },
  {
    change: 'KVM: guest_memfd: Add NUMA mempolicy support (7.x selftests "mbind", "numa_allocation")',
    since: '7.2',
    rules: { mempolicy: true },
    seen: 'gmem vm --kernel debian:7.3 --numa 2 and debian:6.18 --numa 2: catalog mempolicy.* pass on both backends (on 6.18 a second mapping reads MPOL_DEFAULT and pages land on the local node whatever the policy)',
  },
];

/**
 * 6.12 as Debian builds it: no guest_memfd. Upstream 6.12 has guest_memfd only in builds that
 * select KVM_PRIVATE_MEM (KVM_SW_PROTECTED_VM, or SEV-SNP support); even then it offers no MMAP
 * or INIT_SHARED flag and no KVM_CAP_GUEST_MEMFD_FLAGS (those came in 6.18), so the file can never
 * be mapped. Debian's build enables neither, so KVM_CAP_GUEST_MEMFD answers 0 and
 * KVM_CREATE_GUEST_MEMFD is ENOTTY (seen on 6.12.117+deb13).
 */
export const LINUX_6_12_DEBIAN_RULES: ReleaseRules = {
  ...LINUX_6_18_RULES,
  release: 'linux-6.12',
  guestMemfd: false,
};

/** The rules docs/profiles.md compares, one table each, with what each value means in words. */
export const RELEASE_RULE_FEATURES = {
  guestMemfd: 'KVM_CREATE_GUEST_MEMFD',
  overlappingBindingErrno: "a binding that overlaps another slot's range of the same file",
  mempolicy: 'NUMA memory policy on a guest_memfd mapping',
} as const satisfies Partial<Record<keyof ReleaseRules, string>>;
export type ReleaseRuleFeature = keyof typeof RELEASE_RULE_FEATURES;

/** Where linux-6.18's value of each rule comes from; a later change names itself (CHANGES_AFTER_6_18). */
const RULE_SOURCES_6_18: Readonly<Record<ReleaseRuleFeature, string>> = {
  guestMemfd: 'Linux 6.8: KVM_CREATE_GUEST_MEMFD, announced by KVM_CAP_GUEST_MEMFD',
  overlappingBindingErrno: 'Linux 6.8: kvm_gmem_bind refuses a range already bound (EINVAL); seen on Debian 6.18.15',
  mempolicy: "Linux 6.18: guest_memfd has no set_policy/get_policy vm_ops, so mbind sets only the mapping's own policy; seen on Debian 6.18.15 with two nodes",
};

/** Where a release's value of a rule comes from: the last change up to it that set the rule, else 6.18's source. */
export function ruleSource(rules: ReleaseRules, feature: ReleaseRuleFeature): string {
  if (rules.release === LINUX_6_12_DEBIAN_RULES.release && rules[feature] === LINUX_6_12_DEBIAN_RULES[feature] && rules[feature] !== LINUX_6_18_RULES[feature]) {
    return "Debian's 6.12 build: no KVM_PRIVATE_MEM, so no guest_memfd; seen on 6.12.117+deb13";
  }
  const version = rules.release.replace(/^linux-/, '');
  const change = compareVersions(version, '6.18') > 0 ? [...changesUpTo(version)].reverse().find((c) => feature in c.rules) : undefined;
  return change ? `${change.change} (here from ${change.since}; seen: ${change.seen})` : RULE_SOURCES_6_18[feature];
}

/** Compare two "major.minor[.patch...]" versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The changes after 6.18 that a release (major.minor) has. */
export function changesUpTo(version: string): readonly ReleaseChange[] {
  return CHANGES_AFTER_6_18.filter((c) => compareVersions(c.since, version) <= 0);
}

/** The rules of a release at or after 6.18: the base with every change up to it applied. */
export function rulesAfter618(release: string, version: string): ReleaseRules {
  return Object.assign({}, LINUX_6_18_RULES, ...changesUpTo(version).map((c) => c.rules), { release }) as ReleaseRules;
}
