/**
 * A private apt configuration under the kernel cache: its own sources list (Debian's suites that
 * carry kernels), package lists and download cache, passed to apt-get/apt-cache with -o options,
 * so fetching a kernel never changes the machine's /etc/apt nor its package state.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './run.js';

/** The suites searched, in this order; each kernel version lives in one of them (seen November 2026; README, Other kernels). */
export const DEBIAN_SUITES = ['trixie', 'trixie-backports', 'sid'] as const;
const MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** Package lists older than this are refreshed before resolving a version. */
const LISTS_MAX_AGE_MS = 6 * 3600 * 1000;

export class PrivateApt {
  constructor(readonly dir: string) {}

  private get options(): string[] {
    const d = this.dir;
    return [
      `-o`, `Dir::Etc::SourceList=${join(d, 'sources.list')}`,
      `-o`, `Dir::Etc::SourceParts=${join(d, 'sources.list.d')}`,
      `-o`, `Dir::Etc::Preferences=${join(d, 'preferences')}`,
      `-o`, `Dir::Etc::PreferencesParts=${join(d, 'preferences.d')}`,
      `-o`, `Dir::State::Lists=${join(d, 'lists')}`,
      `-o`, `Dir::State::status=${join(d, 'status')}`,
      `-o`, `Dir::Cache=${join(d, 'cache')}`,
      `-o`, `Acquire::Languages=none`,
      `-o`, `APT::Architecture=amd64`,
      `-o`, `APT::Architectures::=amd64`,
    ];
  }

  /** Creates the directories and the sources list (idempotent). */
  setUp(): void {
    for (const sub of ['sources.list.d', 'preferences.d', 'lists/partial', 'cache/archives/partial']) mkdirSync(join(this.dir, sub), { recursive: true });
    if (!existsSync(KEYRING)) throw new Error(`${KEYRING} is missing: install Debian's archive keyring (apt-get install debian-archive-keyring)`);
    const lines = DEBIAN_SUITES.map((suite) => `deb [signed-by=${KEYRING}] ${MIRROR} ${suite} main`);
    writeFileSync(join(this.dir, 'sources.list'), `# written by gmem kernels: private to this cache\n${lines.join('\n')}\n`);
    // An empty dpkg status: nothing is "installed" as far as this configuration knows.
    if (!existsSync(join(this.dir, 'status'))) writeFileSync(join(this.dir, 'status'), '');
  }

  /** Runs `apt-get update` on the private configuration when its lists are missing or stale. */
  update(force = false): void {
    const stamp = join(this.dir, 'lists', '.updated');
    if (!force && existsSync(stamp) && Date.now() - statSync(stamp).mtimeMs < LISTS_MAX_AGE_MS) return;
    runTool('apt-get', [...this.options, '-q', 'update']);
    writeFileSync(stamp, new Date().toISOString() + '\n');
  }

  cache(args: readonly string[]): string {
    return runTool('apt-cache', [...this.options, ...args]);
  }

  /** `apt-get download` of exact name=version pairs into `into`. */
  download(packages: readonly string[], into: string): void {
    mkdirSync(into, { recursive: true });
    runTool('apt-get', [...this.options, '-q', 'download', ...packages], { cwd: into });
  }
}
