/** One cached kernel: what kernel.json beside it says, and how `debian:7.3`-style names match it. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface KernelEntry {
  /** Directory name in the cache, e.g. debian-7.3.4+deb13-cloud-amd64. */
  id: string;
  source: 'debian' | 'build';
  /** What `uname -r` will say, e.g. 7.3.4+deb13-cloud-amd64. */
  release: string;
  /** The upstream version, e.g. 7.3.4. */
  version: string;
  /** A build's LOCALVERSION (e.g. -gmem-inplace): part of its name, build:7.3.4-gmem-inplace. */
  localversion?: string;
  /** Paths relative to the entry's directory (or absolute). */
  kernel: string;
  modules: string | null;
  /** Debian: the packages fetched, with versions and the suite they came from. */
  packages?: string[];
  suite?: string;
  createdAt: string;
}

export const ENTRY_FILE = 'kernel.json';

export function writeEntry(dir: string, entry: KernelEntry): void {
  writeFileSync(join(dir, ENTRY_FILE), JSON.stringify(entry, null, 2) + '\n');
}

/** Every complete entry in the cache (a directory whose kernel.json exists), newest version first. */
export function listEntries(cache: string): KernelEntry[] {
  if (!existsSync(cache)) return [];
  const entries: KernelEntry[] = [];
  for (const name of readdirSync(cache)) {
    if (name.startsWith('.')) continue;
    const file = join(cache, name, ENTRY_FILE);
    if (!existsSync(file)) continue;
    try {
      entries.push(JSON.parse(readFileSync(file, 'utf8')) as KernelEntry);
    } catch {
      // a half-written entry is not a kernel
    }
  }
  return entries.sort((a, b) => compareVersions(b.version, a.version) || a.id.localeCompare(b.id));
}

export function entryPath(cache: string, entry: KernelEntry, relative: string): string {
  return isAbsolute(relative) ? relative : join(cache, entry.id, relative);
}

/** Numeric comparison of dotted versions: 7.10 > 7.9. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `7.3` matches 7.3 and 7.3.x, not 7.30. */
export function versionMatches(version: string, wanted: string): boolean {
  return version === wanted || version.startsWith(wanted + '.');
}

/** What a build's LOCALVERSION may be: a dash, then letters, digits, dots, dashes (it ends up in `uname -r`). */
export const LOCALVERSION_PATTERN = /^-[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface KernelName {
  source: 'debian' | 'build';
  version: string;
  /** Only builds carry one; a name without it matches only builds without one. */
  localversion?: string;
}

/** `debian:7.3` -> { source: 'debian', version: '7.3' }, `build:7.3.4-gmem-inplace` also gives the local version; undefined when it is not such a name. */
export function parseKernelName(name: string): KernelName | undefined {
  const m = /^(debian|build):(\d+(?:\.\d+){0,2})(-[A-Za-z0-9][A-Za-z0-9._-]*)?$/.exec(name);
  if (!m || (m[1] === 'debian' && m[3])) return undefined;
  return { source: m[1] as 'debian' | 'build', version: m[2]!, ...(m[3] ? { localversion: m[3] } : {}) };
}

/** Whether a cached entry answers to a parsed name (`build:7.3` is not `build:7.3.4-gmem-inplace`). */
export function entryMatches(entry: KernelEntry, name: KernelName): boolean {
  return entry.source === name.source && versionMatches(entry.version, name.version) && (entry.localversion ?? '') === (name.localversion ?? '');
}

/** The name `gmem vm --kernel` takes for an entry: debian:7.3.4, build:7.3.4, build:7.3.4-gmem-inplace. */
export function entryName(entry: KernelEntry): string {
  return `${entry.source}:${entry.version}${entry.localversion ?? ''}`;
}
