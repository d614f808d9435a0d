/** gmem kernels get|list|build: the cache of other kernels that `gmem vm` boots. */
import { fetchDebianKernel } from '../vm/debianKernels.js';
import { buildKernel, CONFIG_FRAGMENT } from '../vm/kernelBuild.js';
import { entryName, entryPath, listEntries, LOCALVERSION_PATTERN, parseKernelName } from '../vm/kernelEntry.js';
import { kernelCacheDir } from '../vm/paths.js';
import type { Streams } from './streams.js';

export const KERNELS_USAGE = `Usage: gmem kernels <subcommand>

  get debian:VERSION   fetch Debian's cloud-amd64 kernel VERSION (7.3, 6.18, 6.12.117 ...: the newest
                       match in trixie, trixie-backports or sid) and its modules into the cache
  list [--json]        the cached kernels
  build --source DIR [--jobs N] [--localversion -NAME]
                       build a kernel (KVM and KVM_SW_PROTECTED_VM built in, no modules) from a
                       source tree, e.g. Debian's linux-source-7.3, out of tree under the cache;
                       --localversion tells apart builds of one version from different trees
                       (build:7.3.4-gmem-inplace)

Cache: $GMEM_KERNEL_CACHE, else $XDG_CACHE_HOME/gmem/kernels, else ~/.cache/gmem/kernels.
`;

export async function kernelsCommand(argv: string[], io: Streams): Promise<number> {
  const [sub, ...rest] = argv;
  const cache = kernelCacheDir();
  if (sub === undefined || sub === '-h' || sub === '--help') {
    (sub ? io.stdout : io.stderr).write(KERNELS_USAGE);
    return sub ? 0 : 2;
  }
  if (sub === 'list') {
    const entries = listEntries(cache);
    if (rest.includes('--json')) {
      io.stdout.write(JSON.stringify(entries.map((e) => ({ ...e, kernel: entryPath(cache, e, e.kernel), modules: e.modules && entryPath(cache, e, e.modules) })), null, 2) + '\n');
      return 0;
    }
    if (entries.length === 0) {
      io.stdout.write(`no kernels cached in ${cache} (gmem kernels get debian:7.3 fetches one)\n`);
      return 0;
    }
    io.stdout.write(`kernels in ${cache}:\n`);
    for (const e of entries) io.stdout.write(`  ${entryName(e).padEnd(16)} ${e.release.padEnd(28)} ${e.suite ?? ''} ${e.modules ? '' : '(no modules)'}\n`);
    return 0;
  }
  if (sub === 'get') {
    const parsed = rest.length === 1 ? parseKernelName(rest[0]!) : undefined;
    if (!parsed || parsed.source !== 'debian') {
      io.stderr.write(`gmem kernels get: give one name like debian:7.3 (got ${rest.map((r) => JSON.stringify(r)).join(' ') || 'nothing'})\n`);
      return 2;
    }
    try {
      const entry = fetchDebianKernel(cache, parsed.version, (line) => io.stderr.write(`gmem kernels: ${line}\n`));
      io.stdout.write(`${entry.source}:${entry.version} ${entry.release}: ${entryPath(cache, entry, entry.kernel)}\n`);
      return 0;
    } catch (err) {
      io.stderr.write(`gmem kernels get: ${(err as Error).message}\n`);
      return 1;
    }
  }
  if (sub === 'build') {
    const at = rest.indexOf('--source');
    const source = at >= 0 ? rest[at + 1] : undefined;
    const jobsAt = rest.indexOf('--jobs');
    const jobs = jobsAt >= 0 ? Number(rest[jobsAt + 1]) : undefined;
    const localAt = rest.indexOf('--localversion');
    const localversion = localAt >= 0 ? (rest[localAt + 1] ?? '') : undefined;
    if (!source || (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0))) {
      io.stderr.write(`gmem kernels build: --source DIR is required (--jobs N optional)\n`);
      return 2;
    }
    if (localversion !== undefined && !LOCALVERSION_PATTERN.test(localversion)) {
      io.stderr.write(`gmem kernels build: --localversion wants a dash followed by letters, digits, dots or dashes, like -gmem-inplace (got ${JSON.stringify(localversion)})\n`);
      return 2;
    }
    try {
      io.stderr.write(`gmem kernels: configuring with ${CONFIG_FRAGMENT}\n`);
      const entry = await buildKernel(cache, source, (line) => io.stderr.write(`gmem kernels: ${line}\n`), jobs, localversion);
      io.stdout.write(`${entryName(entry)} ${entry.release}: ${entryPath(cache, entry, entry.kernel)}\n`);
      return 0;
    } catch (err) {
      io.stderr.write(`gmem kernels build: ${(err as Error).message}\n`);
      return 1;
    }
  }
  io.stderr.write(`gmem kernels: unknown subcommand ${JSON.stringify(sub)}\n\n${KERNELS_USAGE}`);
  return 2;
}
