/**
 * The KVM modules a guest must load, from a lib/modules/<release> tree: kvm-amd (or kvm-intel)
 * and what it depends on, in load order. Dependencies are read from each module's own .modinfo
 * ("depends=kvm,..."), because Debian's packages ship no modules.dep (depmod runs at install).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runToolBytes } from './run.js';

export interface GuestModule {
  name: string;
  /** The module's bytes, decompressed. */
  data: Buffer;
}

export class ModulesError extends Error {}

function moduleName(file: string): string {
  return basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

function indexTree(dir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name)) index.set(moduleName(e.name), p);
    }
  };
  walk(dir);
  return index;
}

function decompress(path: string): Buffer {
  if (path.endsWith('.ko')) return readFileSync(path);
  const tool = path.endsWith('.xz') ? ['xz', '-dc'] : path.endsWith('.zst') ? ['zstd', '-dc'] : ['gzip', '-dc'];
  return runToolBytes(tool[0]!, [...tool.slice(1), path]);
}

/** The names in a module's "depends=" modinfo string. */
export function moduleDepends(data: Buffer): string[] {
  const at = data.indexOf('\0depends=');
  if (at < 0) return [];
  const start = at + '\0depends='.length;
  const end = data.indexOf(0, start);
  return data.toString('latin1', start, end).split(',').filter(Boolean).map((n) => n.replace(/-/g, '_'));
}

/** Whether the tree's modules.builtin (when shipped) lists `name` as built into the kernel. */
function builtIn(dir: string, name: string): boolean {
  const file = join(dir, 'modules.builtin');
  return existsSync(file) && readFileSync(file, 'utf8').split('\n').some((l) => moduleName(l) === name);
}

export interface KvmModules {
  /** Load order, dependencies first; empty when KVM is built in. */
  modules: GuestModule[];
  /** Which vendor modules are in the list (the guest loads the one its CPU supports). */
  vendors: string[];
}

/** Resolves kvm_amd and kvm_intel with their dependencies. Throws a clear ModulesError when the tree has neither. */
export function kvmModules(dir: string): KvmModules {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModulesError(`modules tree ${dir} does not exist (give the lib/modules/<release> directory of the kernel)`);
  const index = indexTree(dir);
  const vendors = ['kvm_amd', 'kvm_intel'].filter((v) => index.has(v));
  if (vendors.length === 0) {
    if (builtIn(dir, 'kvm_amd')) return { modules: [], vendors: [] };
    throw new ModulesError(`${dir} has no kvm-amd module (nor kvm-intel)${index.size === 0 ? ' and no modules at all' : ''}: this kernel has no KVM as modules; a kernel with KVM built in needs no --modules`);
  }
  const loaded = new Map<string, GuestModule>();
  const visit = (name: string, chain: string[]): void => {
    if (loaded.has(name)) return;
    if (chain.includes(name)) throw new ModulesError(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const path = index.get(name);
    if (!path) {
      if (builtIn(dir, name) || !existsSync(join(dir, 'modules.builtin'))) return; // built in (or cannot tell: let insmod say)
      throw new ModulesError(`${chain.at(-1)} needs ${name}, which is not in ${dir}`);
    }
    const data = decompress(path);
    for (const dep of moduleDepends(data)) visit(dep, [...chain, name]);
    loaded.set(name, { name, data });
  };
  for (const v of vendors) visit(v, []);
  return { modules: [...loaded.values()], vendors };
}
