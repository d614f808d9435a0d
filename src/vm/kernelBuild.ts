/**
 * gmem kernels build --source DIR: configure a kernel source tree with x86_64_defconfig, the
 * tree's own kvm_guest.config and the project's fragment (configs/gmem-vm.config: KVM and
 * KVM_SW_PROTECTED_VM built in, no modules), build a bzImage out of tree (under the cache, so
 * the source stays untouched) and record it in the kernel cache as build:<version>.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KernelEntry, LOCALVERSION_PATTERN, writeEntry } from './kernelEntry.js';
import { runTool } from './run.js';

export const CONFIG_FRAGMENT = fileURLToPath(new URL('../../../src/vm/configs/gmem-vm.config', import.meta.url));

/** Options the fragment asks for that the final .config does not have (Kconfig dropped them: a missing dependency). */
export function unmetOptions(fragment: string, config: string): string[] {
  const have = new Set(config.split('\n').map((l) => l.trim()));
  return fragment
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^CONFIG_\w+=/.test(l))
    .filter((l) => {
      const [name, value] = l.split('=') as [string, string];
      return value === 'n' ? have.has(`${name}=y`) || have.has(`${name}=m`) : !have.has(l);
    });
}

/** make's variables for a build: the output directory and, when asked, LOCALVERSION (which also stops a git tree's "+" suffix). */
function makeVariables(out: string, localversion: string | undefined): string[] {
  return [`O=${out}`, ...(localversion ? [`LOCALVERSION=${localversion}`] : [])];
}

function make(source: string, variables: string[], targets: string[], log: (line: string) => void, jobs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    log(`make ${variables.join(' ')} ${targets.join(' ')}`);
    const child = spawn('nice', ['-n', '19', 'make', '-C', source, ...variables, `-j${jobs}`, ...targets], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('SIGINT', stop);
      if (code === 0) resolvePromise();
      else reject(new Error(`make ${targets.join(' ')} failed (exit ${code}):\n${stderr.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/**
 * `localversion` (e.g. -gmem-inplace) tells apart builds of one version from different trees: it
 * goes into the release (`uname -r`), the cache id, the entry's name (build:7.3.4-gmem-inplace)
 * and the out-of-tree directory, so such a build never reuses another tree's objects.
 */
export async function buildKernel(cache: string, sourceDir: string, log: (line: string) => void, jobs = availableParallelism(), localversion?: string): Promise<KernelEntry> {
  if (localversion !== undefined && !LOCALVERSION_PATTERN.test(localversion)) throw new Error(`local version ${JSON.stringify(localversion)} must be a dash followed by letters, digits, dots or dashes (e.g. -gmem-inplace)`);
  const source = resolve(sourceDir);
  if (!existsSync(join(source, 'Makefile')) || !existsSync(join(source, 'arch/x86/Kconfig'))) throw new Error(`${source} is not a Linux source tree (no Makefile and arch/x86/Kconfig)`);
  const version = runTool('make', ['-s', '-C', source, 'kernelversion']).trim();
  const out = join(cache, '.build', `linux-${version}${localversion ?? ''}`);
  const variables = makeVariables(out, localversion);
  mkdirSync(out, { recursive: true });
  await make(source, variables, ['x86_64_defconfig', 'kvm_guest.config'], log, 1);
  const fragment = readFileSync(CONFIG_FRAGMENT, 'utf8');
  appendFileSync(join(out, '.config'), `\n${fragment}`);
  await make(source, variables, ['olddefconfig'], log, 1);
  const unmet = unmetOptions(fragment, readFileSync(join(out, '.config'), 'utf8'));
  if (unmet.includes('CONFIG_KVM_SW_PROTECTED_VM=y') || unmet.includes('CONFIG_KVM=y')) throw new Error(`this tree cannot be configured with ${unmet.join(', ')}`);
  if (unmet.length) log(`note: the tree's Kconfig did not take ${unmet.join(', ')}`);
  const started = Date.now();
  await make(source, variables, ['bzImage'], log, jobs);
  const release = runTool('make', ['-s', '-C', source, ...variables, 'kernelrelease']).trim();
  const id = `build-${release}`;
  const dir = join(cache, id);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(out, 'arch/x86/boot/bzImage'), join(dir, 'bzImage'));
  copyFileSync(join(out, '.config'), join(dir, 'config'));
  const entry: KernelEntry = { id, source: 'build', release, version: version.replace(/-.*/, ''), ...(localversion ? { localversion } : {}), kernel: 'bzImage', modules: null, createdAt: new Date().toISOString() };
  writeEntry(dir, entry);
  log(`built ${release} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
  return entry;
}
