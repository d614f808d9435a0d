/** `gmem conform` and `gmem run`: the catalog (or one scenario file) on a backend, or on both. */
import type { Kvm } from '../api.js';
import { loadCatalog, type CatalogEntry } from '../conformance/catalog.js';
import { failed, runBoth, runOn, type ConformanceRun, type RunOptions } from '../conformance/run.js';
import { formatJson } from '../conformance/report/json.js';
import { formatKtap } from '../conformance/report/ktap.js';
import { formatPretty } from '../conformance/report/pretty.js';
import { loadScenarioFile } from '../scenario/load.js';
import { describeOutcome } from '../scenario/outcome.js';
import { DEFAULT_PROFILE, getProfile, type Profile } from '../model/profile.js';
import { chooseBackend, openKvm } from '../open.js';
import type { Streams } from './streams.js';

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

/** Which backend(s) to run, from --backend and --profile ('both' needs the kernel). */
function plan(args: ConformArgs): Plan {
  const requested = args.backend ?? (args.profile !== undefined ? 'model' : 'auto');
  if (requested === 'both') {
    // The release profile is chosen for the kernel; --profile overrides the choice (configuration still comes from the kernel).
    const profile = args.profile !== undefined ? getProfile(args.profile) : undefined;
    const choice = chooseBackend('kernel');
    return { kind: 'both', open: () => openKvm({ backend: choice.backend }), ...(profile ? { profile } : {}) };
  }
  const choice = chooseBackend(requested as 'auto');
  if (choice.backend === 'kernel') {
    if (args.profile !== undefined) throw new Error('--profile applies to the model only');
    openKvm({ backend: 'kernel' }).close(); // Fail now, with the reason, if the kernel cannot be used.
    return { kind: 'one', label: 'kernel', open: () => openKvm({ backend: 'kernel' }), reason: choice.reason };
  }
  const profile = args.profile ?? DEFAULT_PROFILE;
  openKvm({ backend: 'model', profile }).close(); // An unknown profile fails here.
  return { kind: 'one', label: `model (${profile})`, open: () => openKvm({ backend: 'model', profile }), reason: choice.reason };
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

export function conform(args: ConformArgs, io: Streams): number {
  const format = args.format ?? 'pretty';
  if (!['pretty', 'ktap', 'json'].includes(format)) {
    io.stderr.write(`gmem conform: --format must be pretty, ktap or json, got ${JSON.stringify(format)}\n`);
    return 2;
  }
  let entries: CatalogEntry[];
  let p: Plan;
  try {
    entries = loadCatalog(args.filter);
    if (args.list) {
      for (const e of entries) io.stdout.write(`${e.id}\t${e.description}\n`);
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
  const run = execute(p, entries, io);
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
  const run = execute(p, entries, io);
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
