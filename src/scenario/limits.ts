/**
 * Limits on what a scenario may make the machine do. Scenario files are untrusted data: a few
 * hundred bytes can name a matrix of billions of instances, a 16 GiB fill or a 1 GiB read. Every
 * limit is defined here, once, with its default and what it bounds; the command line
 * (`--limit name=value`) and the environment (`GMEM_LIMITS="name=value,..."`) override them, and
 * docs/scenarios.md documents them (test/scenario/limits.test.ts checks that table against this one).
 */
import { meminfoBytes } from '../model/hostConfig.js';
import { ScenarioError } from './values.js';

export interface ScenarioLimits {
  /** Instances one scenario file may expand into (the product of its matrix's value counts). */
  instances: number;
  /** Steps in one instance. */
  steps: number;
  /** JSON values (every number, string, array and object) of all a file's instances' steps together. */
  expandedValues: number;
  /** Bytes one scenario file may hold (and be read from disk). */
  fileBytes: number;
  /** Bytes all the reading steps of one instance may return together. */
  readBytes: number;
  /** Bytes one instance may make the backend allocate (see ALLOCATING in budget.ts). */
  allocBytes: number;
  /** Wall-clock milliseconds one instance may run (checked before each step). */
  timeMs: number;
  /** Pages one KVM_SET_MEMORY_ATTRIBUTES may make the kernel walk (see budget.ts). */
  attributePages: number;
}
export type LimitName = keyof ScenarioLimits;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const LIMITS: Readonly<Record<LimitName, { default: number; unit: 'count' | 'bytes' | 'ms'; what: string; max?: number }>> = {
  instances: { default: 4096, unit: 'count', what: 'instances a scenario file expands into (the product of its matrix sizes)' },
  steps: { default: 10_000, unit: 'count', what: 'steps in one instance' },
  expandedValues: {
    default: 2_000_000,
    unit: 'count',
    what: 'JSON values in the steps of all instances of a file together (each instance is a copy of the steps): instances times values per instance',
  },
  fileBytes: { default: 4 * MiB, unit: 'bytes', what: 'size of a scenario file (only regular files are read)' },
  readBytes: {
    default: 64 * MiB,
    unit: 'bytes',
    what: 'bytes the reading steps of one instance return, together (at most 128 MiB: each is reported as hex text)',
    // Read bytes are reported as hex in one string, and a V8 string holds at most 2^29 - 24 characters.
    max: 128 * MiB,
  },
  allocBytes: {
    default: 1 * GiB,
    unit: 'bytes',
    what: 'bytes one instance may make the backend allocate; on the kernel backend also at most half of MemAvailable unless set explicitly',
  },
  timeMs: { default: 60_000, unit: 'ms', what: 'wall-clock time of one instance, checked before each step' },
  attributePages: {
    // 2^20 pages (4 GiB of guest addresses): ~2 s and ~9 MiB of kernel memory under TCG (measured).
    default: 2 ** 20,
    unit: 'count',
    what: 'pages one KVM_SET_MEMORY_ATTRIBUTES may make the kernel walk page by page, in one call nothing interrupts (kernel backend only)',
  },
};

export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

/** A limit was reached: the message names it, the value, and how to raise it. */
export class ScenarioLimitError extends ScenarioError {
  constructor(
    readonly limit: LimitName,
    readonly value: number,
    what: string,
  ) {
    super(`${what} exceeds the ${limit} limit (${formatLimit(limit, value)}); raise it with --limit ${limit}=N or GMEM_LIMITS="${limit}=N"`);
  }
}

export function formatLimit(name: LimitName, value: number): string {
  const unit = LIMITS[name].unit;
  if (unit === 'ms') return `${value} ms`;
  if (unit === 'count') return String(value);
  for (const [suffix, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) if (value >= size && value % size === 0) return `${value / size} ${suffix}`;
  return `${value} bytes`;
}

/** "4096", "64MiB", "2GiB", "1.5GiB" (bytes); a plain integer otherwise. */
function parseValue(name: LimitName, text: string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB|TiB)?$/.exec(text.trim());
  const scale = { KiB, MiB, GiB, TiB: 1024 * GiB }[m?.[2] ?? ''] ?? 1;
  if (!m || (m[2] && LIMITS[name].unit !== 'bytes')) throw new ScenarioError(`${where}: ${JSON.stringify(text)} is not a valid ${name} (${LIMITS[name].unit === 'bytes' ? 'bytes, e.g. 512MiB' : `a whole number of ${LIMITS[name].unit === 'ms' ? 'milliseconds' : 'items'}`})`);
  const value = Math.floor(Number(m[1]) * scale);
  const max = LIMITS[name].max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new ScenarioError(`${where}: ${name} must be at least 1 and at most ${formatLimit(name, max)}`);
  return value;
}

/** "name=value" overrides, from the command line or GMEM_LIMITS. */
export function parseLimitOverrides(specs: readonly string[], where: string): Partial<ScenarioLimits> {
  const out: Partial<ScenarioLimits> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq).trim();
    if (eq < 0 || !Object.hasOwn(LIMITS, name)) throw new ScenarioError(`${where}: ${JSON.stringify(spec)} is not NAME=VALUE with NAME one of ${LIMIT_NAMES.join(', ')}`);
    out[name as LimitName] = parseValue(name as LimitName, spec.slice(eq + 1), where);
  }
  return out;
}

let configured: Partial<ScenarioLimits> = {};

/** Set the command line's overrides (they take precedence over GMEM_LIMITS). */
export function configureLimits(overrides: Partial<ScenarioLimits>): void {
  configured = { ...overrides };
}

/** The limits in force, and which of them were set explicitly (not defaults). */
export function scenarioLimits(env: NodeJS.ProcessEnv = process.env): { limits: ScenarioLimits; explicit: ReadonlySet<LimitName> } {
  const fromEnv = env.GMEM_LIMITS ? parseLimitOverrides(env.GMEM_LIMITS.split(',').filter((s) => s.trim() !== ''), 'GMEM_LIMITS') : {};
  const overrides = { ...fromEnv, ...configured };
  const limits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, overrides[n] ?? LIMITS[n].default])) as unknown as ScenarioLimits;
  return { limits, explicit: new Set(Object.keys(overrides) as LimitName[]) };
}

/** MemAvailable from /proc/meminfo, in bytes (undefined where there is none). */
export function memAvailable(meminfo?: string): number | undefined {
  const bytes = meminfoBytes('MemAvailable', meminfo);
  return bytes === undefined ? undefined : Number(bytes);
}

/**
 * The allocation limit for one backend: on the kernel, what a scenario allocates is real memory
 * shared with everything else on the machine, so the default is also capped at half of what the
 * kernel says is available (read only then: the model's runs need no /proc/meminfo). A limit the
 * user set explicitly is taken as given.
 */
export function allocLimitFor(backend: string, limits: ScenarioLimits, explicit: ReadonlySet<LimitName>, availableBytes?: number): number {
  if (backend !== 'kernel' || explicit.has('allocBytes')) return limits.allocBytes;
  const available = availableBytes ?? memAvailable();
  if (available === undefined) return limits.allocBytes;
  return Math.max(1, Math.min(limits.allocBytes, Math.floor(available / 2)));
}
