/** `gmem conform` and `gmem run`: the catalog (or one scenario file) on a backend, or on both. */
import type { Kvm } from '../api.js';
import { loadCatalog, type CatalogEntry } from '../conformance/catalog.js';
import { failed, runBoth, runOn, type ConformanceRun, type RunOptions } from '../conformance/run.js';
import { formatJson } from '../conformance/report/json.js';
import { formatKtap } from '../conformance/report/ktap.js';
import { formatPretty } from '../conformance/report/pretty.js';
import { loadScenarioFile } from '../scenario/load.js';
import { describeOutcome } from '../scenario/outcome.js';
import { getProfile, type Profile } from '../model/profile.js';
import { openKvm } from '../open.js';
import { resolveBackend } from './backendOption.js';
import type { Streams } from './streams.js';
import { UsageError } from './usageError.js';

export interface ConformArgs {
  backend?: string;
  profile?: string;
  format?: string;
  filter?: string;
  list?: boolean;
  verbose?: boolean;
  json?: boolean;
}

type Plan = { kind: 'one'; label: string; open: () => Kvm; reason: string } | { kind: 'both'; open: () => Kvm; profile?: Profile };

/** Which backend(s) to run: the shared rule of resolveBackend. */
function plan(args: ConformArgs): Plan {
  const r = resolveBackend(args, true);
  // The release profile is chosen for the kernel; --profile overrides the choice (configuration still comes from the kernel).
  if (r.backend === 'both') return { kind: 'both', open: () => openKvm({ backend: 'kernel' }), ...(r.profile ? { profile: getProfile(r.profile) } : {}) };
  if (r.backend === 'kernel') return { kind: 'one', label: 'kernel', open: () => openKvm({ backend: 'kernel' }), reason: r.reason };
  const profile = r.profile;
  return { kind: 'one', label: `model (${profile})`, open: () => openKvm({ backend: 'model', profile }), reason: r.reason };
}

/** Run the plan; a backend that fails to open mid-run is an error with its reason, not a stack trace. */
function executeOrReport(p: Plan, entries: CatalogEntry[], io: Streams, command: string): ConformanceRun | undefined {
  try {
    return execute(p, entries, io);
  } catch (err) {
    if (!(err instanceof Error) || (err as { code?: unknown }).code === undefined) throw err;
    io.stderr.write(`${command}: ${err.message}\n`);
    return undefined;
  }
}

function progress(io: Streams): RunOptions {
  if (!io.stderr.isTTY) return {};
  return {
    onResult: (backend, result, i, total) => {
      io.stderr.write(`\r\x1b[K[${backend}] ${i + 1}/${total} ${result.id}`);
      if (i + 1 === total) io.stderr.write('\r\x1b[K');
    },
  };
}

function execute(p: Plan, entries: CatalogEntry[], io: Streams): ConformanceRun {
  if (p.kind === 'both') return runBoth(p.open, entries, progress(io), p.profile);
  return { runs: [{ backend: p.label, results: runOn(p.open, p.label, entries, progress(io)) }], disagreements: [] };
}

/** --format and --json agree, and each option applies to what was asked (nothing silently ignored). */
function conformFormat(args: ConformArgs): string {
  const format = args.format ?? (args.json ? 'json' : 'pretty');
  if (!['pretty', 'ktap', 'json'].includes(format)) throw new UsageError(`--format must be pretty, ktap or json, got ${JSON.stringify(format)}`);
  if (args.json && format !== 'json') throw new UsageError(`--json is --format json; it contradicts --format ${format}`);
  if (args.list && format === 'ktap') throw new UsageError('--list prints text or JSON (--format pretty or json), not KTAP');
  if (args.verbose && format !== 'pretty') throw new UsageError(`--verbose lists skipped checks in the pretty format; --format ${format} has every result already`);
  return format;
}

export function conform(args: ConformArgs, io: Streams): number {
  let format: string;
  try {
    format = conformFormat(args);
  } catch (err) {
    io.stderr.write(`gmem conform: ${(err as Error).message}\n`);
    return 2;
  }
  let entries: CatalogEntry[];
  let p: Plan;
  try {
    entries = loadCatalog(args.filter);
    if (args.list) {
      if (format === 'json') io.stdout.write(`${JSON.stringify(entries.map((e) => ({ id: e.id, description: e.description })), null, 2)}\n`);
      else for (const e of entries) io.stdout.write(`${e.id}\t${e.description}\n`);
      return 0;
    }
    if (entries.length === 0) {
      io.stderr.write(`gmem conform: no check matches ${JSON.stringify(args.filter)} (--list shows them)\n`);
      return 2;
    }
    p = plan(args);
  } catch (err) {
    io.stderr.write(`gmem conform: ${(err as Error).message}\n`);
    return 2;
  }
  const run = executeOrReport(p, entries, io, 'gmem conform');
  if (!run) return 2;
  if (format === 'ktap') io.stdout.write(formatKtap(run));
  else if (format === 'json') io.stdout.write(formatJson(run, { tool: 'gmem conform', filter: args.filter ?? null }));
  else {
    if (p.kind === 'one') io.stdout.write(`backend: ${p.label} (${p.reason})\n\n`);
    if (run.profileNote) io.stdout.write(`${run.profileNote}\n\n`);
    io.stdout.write(formatPretty(run, { verbose: args.verbose ?? false }));
  }
  return failed(run) ? 1 : 0;
}

/** `gmem run FILE`: one scenario, step by step. */
export function runScenario(file: string, args: ConformArgs, io: Streams): number {
  let entries: CatalogEntry[];
  let p: Plan;
  try {
    entries = loadScenarioFile(file).map((instance) => ({ kind: 'scenario' as const, id: instance.id, description: instance.scenario.description ?? '', instance }));
    p = plan(args);
  } catch (err) {
    io.stderr.write(`gmem run: ${(err as Error).message}\n`);
    return 2;
  }
  const run = executeOrReport(p, entries, io, 'gmem run');
  if (!run) return 2;
  if (args.json) {
    io.stdout.write(formatJson(run, { tool: 'gmem run', file }));
    return failed(run) ? 1 : 0;
  }
  for (const { backend, results } of run.runs) {
    for (const r of results) {
      io.stdout.write(`== ${r.id} on ${backend}: ${r.status}${r.reason ? ` (${r.reason})` : ''}\n`);
      for (const s of r.report?.steps ?? []) {
        const mark = s.failure ? '✗' : '✓';
        io.stdout.write(`  ${mark} ${String(s.index).padStart(2)} ${s.do}${s.note ? ` (${s.note})` : ''}: ${describeOutcome(s.outcome)}${s.failure ? `  <- expected ${s.expected}` : ''}${s.detail && s.failure ? ` [${s.detail}]` : ''}\n`);
      }
    }
  }
  for (const d of run.disagreements) {
    io.stdout.write(`disagreement at ${d.id} step ${d.step} (${d.do}): model ${d.a}; kernel ${d.b}${d.divergence ? ` [known: ${d.divergence}]` : ''}\n`);
  }
  return failed(run) ? 1 : 0;
}
