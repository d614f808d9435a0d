/**
 * The known divergences of this project's host kernel from upstream behaviour, as data
 * (catalog/divergences.json): a step names the one it shows with its `divergence` field, and the
 * runners read the explanation and the kernel answer that marks it from here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DIVERGENCES_FILE = fileURLToPath(new URL('../../../catalog/divergences.json', import.meta.url));

export interface DivergenceEntry {
  /** A short name; steps cite it. */
  name: string;
  /** What differs and why, in words. */
  why: string;
  /** The kernel's answer that marks it (fields of the step's outcome): any other answer is a failure. */
  kernel: Record<string, unknown>;
  /** Where a reader can check the upstream behaviour: a kernel function or a docs/ anchor. */
  source: string;
  /** The release profiles whose kernels show it (a later change fixed it); absent: every release. */
  releases?: string[];
}

let cache: readonly DivergenceEntry[] | undefined;

export function divergenceEntries(): readonly DivergenceEntry[] {
  cache ??= (JSON.parse(readFileSync(DIVERGENCES_FILE, 'utf8')) as { divergences: DivergenceEntry[] }).divergences;
  return cache;
}

export function divergenceNames(): ReadonlySet<string> {
  return new Set(divergenceEntries().map((d) => d.name));
}

export function divergenceEntry(name: string): DivergenceEntry | undefined {
  return divergenceEntries().find((d) => d.name === name);
}
