/**
 * Debian's packaged kernels by version: `debian:7.3` -> the newest linux-image-7.3.x cloud-amd64
 * package in trixie, trixie-backports or sid, fetched with the private apt configuration and
 * unpacked (dpkg-deb -x, no maintainer scripts run) into the kernel cache.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateApt } from './debianApt.js';
import { compareVersions, type KernelEntry, versionMatches, writeEntry } from './kernelEntry.js';
import { aptDir } from './paths.js';
import { runTool } from './run.js';

/** The smallest flavour; it has KVM and KVM_AMD as modules, virtio, and boots under QEMU. */
export const FLAVOUR = 'cloud-amd64';
const IMAGE_NAME = new RegExp(`^linux-image-((\\d+\\.\\d+(?:\\.\\d+)?)\\+deb\\d+)-${FLAVOUR}$`);

export interface DebianCandidate {
  /** The kernel release, e.g. 7.3.4+deb13-cloud-amd64. */
  release: string;
  version: string;
  /** linux-image-<release> and its package version and suite. */
  image: string;
  packageVersion: string;
  suite: string;
}

/** Every linux-image-X.Y.Z+debN-cloud-amd64 package the private lists offer (with a version to download). */
export function debianCandidates(apt: PrivateApt): DebianCandidate[] {
  const names = apt.cache(['pkgnames', 'linux-image-']).split('\n').filter((n) => IMAGE_NAME.test(n));
  if (names.length === 0) return [];
  // One madison call for all names: "name | version | url suite/main amd64 Packages".
  const out = apt.cache(['madison', ...names]);
  const found = new Map<string, DebianCandidate>();
  for (const line of out.split('\n')) {
    const [name, pkgVersion, from] = line.split('|').map((s) => s.trim());
    if (!name || !pkgVersion || !from || !from.endsWith('Packages')) continue;
    const m = IMAGE_NAME.exec(name);
    const suite = /\s(\S+)\/main\s/.exec(` ${from} `)?.[1];
    if (!m || !suite || found.has(name)) continue;
    found.set(name, { release: `${m[1]!}-${FLAVOUR}`, version: m[2]!, image: name, packageVersion: pkgVersion, suite });
  }
  return [...found.values()].sort((a, b) => compareVersions(b.version, a.version));
}

/** The newest candidate whose version is `wanted` or starts with `wanted.`. */
export function resolveDebian(candidates: readonly DebianCandidate[], wanted: string): DebianCandidate | undefined {
  return candidates.find((c) => versionMatches(c.version, wanted));
}

/** Whether every name=version can be downloaded (madison lists that version in some suite). */
function downloadable(apt: PrivateApt, packages: readonly string[]): string[] {
  const names = packages.map((p) => p.split('=')[0]!);
  const listed = new Set(
    apt
      .cache(['madison', ...names])
      .split('\n')
      .map((l) => l.split('|').map((x) => x.trim()))
      .filter((f) => f.length >= 3)
      .map(([name, version]) => `${name}=${version}`),
  );
  return packages.filter((p) => !listed.has(p));
}

/** The packages that hold the kernel and its modules: the image itself, or (6.19 on) the binary and modules packages it depends on. */
function packagesFor(apt: PrivateApt, c: DebianCandidate): string[] {
  const show = apt.cache(['show', `${c.image}=${c.packageVersion}`]);
  const depends = /^Depends: (.*)$/m.exec(show)?.[1] ?? '';
  const wanted = [`${c.image}=${c.packageVersion}`];
  for (const part of depends.split(',')) {
    const m = /^\s*(linux-(?:binary|modules)-\S+)\s+\(=\s*([^)]+)\)/.exec(part);
    if (m && m[1]!.endsWith(c.release)) wanted.push(`${m[1]}=${m[2]!.trim()}`);
  }
  return wanted;
}

export interface FetchLog {
  (line: string): void;
}

/** Downloads and unpacks debian:`wanted` into the cache; returns its entry. Already cached: returns it as is. */
export function fetchDebianKernel(cache: string, wanted: string, log: FetchLog): KernelEntry {
  const apt = new PrivateApt(aptDir(cache));
  apt.setUp();
  log(`updating the private package lists (${aptDir(cache)}) ...`);
  apt.update();
  const candidates = debianCandidates(apt);
  // Newest first; a backports suite keeps listing superseded linux-image packages whose binary
  // and modules packages are gone, so the first match whose packages can all be downloaded wins.
  const matching = candidates.filter((x) => versionMatches(x.version, wanted));
  let c: DebianCandidate | undefined;
  let packages: string[] = [];
  const incomplete: string[] = [];
  for (const candidate of matching) {
    packages = packagesFor(apt, candidate);
    const missing = downloadable(apt, packages);
    if (missing.length === 0) {
      c = candidate;
      break;
    }
    incomplete.push(`${candidate.version} (no ${missing.map((m) => m.split('-')[1]).join(', ')})`);
  }
  if (!c) {
    const versions = [...new Set(candidates.map((x) => x.version.split('.').slice(0, 2).join('.')))];
    const why = incomplete.length ? `Debian still lists ${incomplete.join(', ')}, but those packages are gone from the archive` : `Debian's suites carry: ${versions.join(', ') || 'none (are the lists empty?)'}`;
    throw new Error(`no Debian ${FLAVOUR} kernel matches ${wanted}; ${why}`);
  }
  const id = `debian-${c.release}`;
  const dir = join(cache, id);
  if (existsSync(join(dir, 'kernel.json'))) {
    log(`${id} is already cached`);
    return JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as KernelEntry;
  }
  log(`${wanted} -> ${c.release} from ${c.suite}: downloading ${packages.join(' ')}`);
  // Unpack into a scratch directory and rename at the end, so an interrupted fetch leaves no entry.
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  const debs = join(scratch, 'debs');
  apt.download(packages, debs);
  const root = join(scratch, 'root');
  mkdirSync(root, { recursive: true });
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) runTool('dpkg-deb', ['-x', join(debs, deb), root]);
  rmSync(debs, { recursive: true, force: true });
  const layout = findLayout(root, c.release);
  const entry: KernelEntry = {
    id,
    source: 'debian',
    release: c.release,
    version: c.version,
    kernel: join('root', layout.kernel),
    modules: join('root', layout.modules),
    packages,
    suite: c.suite,
    createdAt: new Date().toISOString(),
  };
  writeEntry(scratch, entry);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return entry;
}

/** Where the unpacked packages put the kernel (6.19 on: beside the modules; before: /boot) and the modules. */
function findLayout(root: string, release: string): { kernel: string; modules: string } {
  const modules = ['usr/lib/modules', 'lib/modules'].map((d) => join(d, release)).find((d) => existsSync(join(root, d)));
  const kernel = [modules && join(modules, 'vmlinuz'), `boot/vmlinuz-${release}`].find((k) => k && existsSync(join(root, k)));
  if (!modules || !kernel) throw new Error(`the packages for ${release} hold no ${!kernel ? 'vmlinuz' : 'modules tree'} where Debian puts them`);
  return { kernel, modules };
}
