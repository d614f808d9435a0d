/**
 * Which release profile a running kernel is judged by: from its uname release (major.minor) and
 * whether it has guest_memfd at all. Exact when a release profile has the kernel's version;
 * otherwise the release profile with the same rules (releases.ts), else the nearest one, with a
 * note that says so.
 */
import { getProfile, profileNames, type Profile } from './profile.js';
import { compareVersions, rulesAfter618, type ReleaseRules } from './releases.js';

export interface ReleaseChoice {
  /** The profile (release rules as data; configuration is read from the kernel afterwards). */
  profile: Profile;
  /** One sentence: which profile and why (shown by probe and conform). */
  note: string;
}

const versionOf = (p: Profile): string => p.release.release.replace(/^linux-/, '');

function releaseProfiles(): Profile[] {
  return profileNames()
    .map((n) => getProfile(n))
    .filter((p) => p.status === 'released')
    .sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
}

const sameRules = (a: ReleaseRules, b: ReleaseRules): boolean =>
  (Object.keys(a) as (keyof ReleaseRules)[]).every((k) => k === 'release' || a[k] === b[k]);

/** Pick the release profile for a kernel: `uname` as `uname -r` prints it. */
export function chooseRelease(uname: string, hasGuestMemfd: boolean): ReleaseChoice {
  const version = /^(\d+)\.(\d+)/.exec(uname)?.slice(1, 3).join('.');
  const profiles = releaseProfiles();
  const withGmem = profiles.filter((p) => p.release.guestMemfd);
  if (!hasGuestMemfd) {
    const none = profiles.find((p) => !p.release.guestMemfd)!;
    return { profile: none, note: `profile ${none.name}: this kernel (${uname}) has no guest_memfd (KVM_CAP_GUEST_MEMFD answers 0)` };
  }
  const latest = withGmem[withGmem.length - 1]!;
  if (!version) return { profile: getProfile(), note: `profile ${getProfile().name}: cannot read a version from ${JSON.stringify(uname)} (the default)` };
  const exact = withGmem.find((p) => versionOf(p) === version);
  if (exact) return { profile: exact, note: `profile ${exact.name}: matches this kernel (${uname})` };
  if (compareVersions(version, '6.18') > 0) {
    // After 6.18 the release data says which changes a version has: take a profile with the same rules.
    const rules = rulesAfter618(`linux-${version}`, version);
    const same = withGmem.find((p) => compareVersions(versionOf(p), '6.18') >= 0 && sameRules(p.release, rules));
    if (same && compareVersions(version, versionOf(latest)) <= 0) {
      return { profile: same, note: `profile ${same.name}: no linux-${version} profile; ${same.name} has the same guest_memfd rules as ${version} (releases.ts)` };
    }
    return { profile: latest, note: `profile ${latest.name}: this kernel (${uname}) is newer than every release profile; the latest is the nearest` };
  }
  // Before 6.18 with guest_memfd (6.8 ... 6.17 built with KVM_SW_PROTECTED_VM or SEV-SNP): no profile of its own.
  const base = getProfile('linux-6.18');
  return { profile: base, note: `profile ${base.name}: no profile for ${version} with guest_memfd; linux-6.18 is the nearest (before 6.18 there is no MMAP or INIT_SHARED flag)` };
}
