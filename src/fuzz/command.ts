/**
 * The fuzzer's command line (see USAGE) as a function of its arguments and output streams that
 * returns the exit status: main.ts runs it for `npm run fuzz`, and tests call it in-process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelAvailability } from '../kernel/kvm.js';
import { kernelProfileChoice } from '../model/hostConfig.js';
import { DEFAULT_PROFILE, getProfile, profileAliases, profileNames } from '../model/profile.js';
import { openKvm } from '../open.js';
import type { Streams } from '../cli/streams.js';
import { UsageError } from '../cli/usageError.js';
import { Coverage, formatCoverage } from './coverage.js';
import { describeFinding, findingScenario, fuzz, type FuzzStats } from './fuzz.js';

const USAGE = `usage: npm run fuzz -- [options]

Random operation sequences on the model, compared with the kernel (/dev/kvm) when it can be used,
or, without a kernel, checked against the model's own invariants. Findings are shrunk and written
as scenarios (gmem run FILE --backend both).

options:
  --seconds N        how long to run (default 60)
  --sequences N      stop after N sequences instead, if that comes first: with --seed, the same
                     run every time, whatever the machine's speed
  --seed S           the random seed, an integer >= 0 (default 1)
  --max-length N     the longest sequence, 3..100000 steps (default 24)
  --profile NAME     the model's profile (default: against a kernel, the release profile chosen
                     for it, configured like it; alone, linux-6.18)
                     one of: ${profileNames().join(', ')}
  --model-only       do not compare with the kernel: check the model's invariants (automatic
                     when no kernel can be used)
  --differential     compare with the kernel, and fail (exit 2) when none can be used
  --coverage         print which of the model's rules the run met, how often, and which never
  --json             print the run's results (stats, coverage, findings) as JSON on stdout
  --unsteered        generate without steering towards rules not yet met
  --out DIR          where findings go (default $XDG_CACHE_HOME/gmem/fuzz-findings, or a temp dir)
  -h, --help         this text

exit status: 0 no finding, 1 findings, 2 usage error or no kernel with --differential
`;

/** A usage error: main prints what is wrong and the usage, and exits 2 (no stack trace: it is the caller's mistake). */
function usageError(message: string): never {
  throw new UsageError(message);
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        seconds: { type: 'string', default: '60' },
        sequences: { type: 'string' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string' },
        'max-length': { type: 'string', default: '24' },
        profile: { type: 'string' },
        'model-only': { type: 'boolean', default: false },
        differential: { type: 'boolean', default: false },
        coverage: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        unsteered: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    return usageError((err as Error).message);
  }
}

/** A number option: a plain decimal in [min, max], or a usage error that names it. */
function numberOption(name: string, text: string, min: number, max: number, integer: boolean): number {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    usageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Where findings go by default: a cache directory, so a read-only checkout works. */
function defaultOut(): string {
  const cache = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(homedir(), '.cache') : tmpdir());
  return join(cache, 'gmem', 'fuzz-findings');
}

function writeFindings(stats: FuzzStats, seed: number, out: string): string[] {
  let dir = out;
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    dir = join(tmpdir(), 'gmem-fuzz-findings'); // The cache is not writable either: a temp dir is.
    mkdirSync(dir, { recursive: true });
  }
  return stats.findings.map((f, i) => {
    const file = join(dir, `seed${seed}-finding${i}.json`);
    writeFileSync(file, JSON.stringify(findingScenario(f, seed, i), null, 2) + '\n');
    return file;
  });
}

/** Run the fuzzer on `args` (the words after `npm run fuzz --`); returns the exit status. */
export function main(args: string[], io: Streams): number {
  let opts: Options | 'help';
  try {
    opts = options(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`fuzz: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  return run(opts, io);
}

interface Options {
  values: ReturnType<typeof parse>;
  seconds: number;
  seed: number;
  maxLength: number;
  sequences: number | undefined;
}

/** The command line read and checked (--help wins over any mistake after it), or a UsageError. */
function options(args: string[]): Options | 'help' {
  const values = parse(args);
  if (values.help) return 'help';
  const seconds = numberOption('seconds', values.seconds!, 0.001, 7 * 24 * 3600, false);
  const seed = numberOption('seed', values.seed!, 0, 2 ** 32 - 1, true);
  const maxLength = numberOption('max-length', values['max-length']!, 3, 100_000, true);
  const sequences = values.sequences === undefined ? undefined : numberOption('sequences', values.sequences, 1, 2 ** 31 - 1, true);
  if (values.profile !== undefined && !profileNames().includes(values.profile) && !(values.profile in profileAliases())) {
    usageError(`unknown --profile ${JSON.stringify(values.profile)}; one of ${profileNames().join(', ')} (or ${Object.keys(profileAliases()).join(', ')})`);
  }
  if (values['model-only'] && values.differential) usageError('--model-only and --differential exclude each other');
  return { values, seconds, seed, maxLength, sequences };
}

function run({ values, seconds, seed, maxLength, sequences }: Options, io: Streams): number {
  let base = getProfile(values.profile ?? DEFAULT_PROFILE);
  let open: (() => ReturnType<typeof openKvm>) | undefined;
  const say = (text: string) => (values.json ? io.stderr : io.stdout).write(text);
  if (!values['model-only']) {
    const available = kernelAvailability();
    if (available.usable) {
      open = () => openKvm({ backend: 'kernel' });
      // The same choice as conform --backend both: the kernel's release profile, configured like it.
      const choice = kernelProfileChoice(open, values.profile !== undefined ? base : undefined);
      base = choice.profile;
      say(`fuzz: ${choice.note}\n`);
    } else if (values.differential) {
      io.stderr.write(`fuzz: --differential, but the kernel backend is unavailable (${available.reason}): there is nothing to compare the model with\n`);
      return 2;
    } else {
      say(`fuzz: the kernel backend is unavailable (${available.reason}): checking the model alone against its invariants\n`);
    }
  }
  say(`fuzz: seed ${seed}, ${seconds} s${sequences !== undefined ? ` or ${sequences} sequences` : ''}, ${open ? `model ${base.name} vs the kernel` : `model ${base.name} alone (invariants)`}${values.unsteered ? ', unsteered' : ''}\n`);
  const coverage = new Coverage(base);
  const started = Date.now();
  const stats = fuzz(open, base, {
    seed,
    seconds,
    ...(sequences !== undefined ? { sequences } : {}),
    maxLength,
    coverage,
    unsteered: values.unsteered!,
    onProgress: (s) => io.stderr.isTTY && io.stderr.write(`\r${s.sequences} sequences, ${s.operations} operations, ${s.findings.length} findings`),
  });
  const elapsed = (Date.now() - started) / 1000;
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
  const files = writeFindings(stats, seed, values.out ?? defaultOut());
  const table = coverage.table();
  const throughput = {
    seconds: elapsed,
    operationsPerSecond: Math.round(stats.operations / elapsed),
    modelSeconds: stats.modelMs / 1000,
    kernelSeconds: stats.kernelMs / 1000,
    // Per backend: operations over the time spent running them there (the rest is generation,
    // comparison and shrinking).
    modelOpsPerSecond: stats.modelMs ? Math.round(stats.operations / (stats.modelMs / 1000)) : 0,
    kernelOpsPerSecond: stats.kernelMs ? Math.round(stats.operations / (stats.kernelMs / 1000)) : 0,
  };
  if (values.json) {
    io.stdout.write(JSON.stringify({ seed, profile: base.name, mode: open ? 'differential' : 'model-only', sequences: stats.sequences, operations: stats.operations, cutShort: stats.cutShort, knownDivergences: stats.knownDivergences, unsupported: stats.unsupported, throughput, coverage: table, findings: stats.findings.map((f, i) => ({ file: files[i], summary: describeFinding(f) })) }, null, 2) + '\n');
  } else {
    stats.findings.forEach((f, i) => say(`finding ${i}: ${f.steps.length} steps; ${describeFinding(f)} -> ${files[i]}\n`));
    const known = Object.entries(stats.knownDivergences).map(([k, n]) => `${k} x${n}`).join(', ') || 'none';
    const unsupported = Object.entries(stats.unsupported).map(([k, n]) => `${k} x${n}`).join(', ');
    say(`sequences run: ${stats.sequences}, operations run: ${stats.operations}, ${open ? 'disagreements' : 'broken invariants'} found: ${stats.findings.length}${open ? ` (known divergences met: ${known}${stats.backendErrors ? `; ${stats.backendErrors} sequences the kernel backend could not run` : ''}${unsupported ? `; compared up to a step one backend cannot ask: ${unsupported}` : ''})` : ''} in ${elapsed.toFixed(1)} s${stats.cutShort ? ' (the last sequence stopped at the deadline)' : ''}\n`);
    say(`throughput: ${throughput.operationsPerSecond} operations/s overall; model ${throughput.modelSeconds.toFixed(1)} s (${throughput.modelOpsPerSecond} ops/s)${open ? `, kernel ${throughput.kernelSeconds.toFixed(1)} s (${throughput.kernelOpsPerSecond} ops/s)` : ''}\n`);
    say(values.coverage ? formatCoverage(table) : `rule coverage: ${table.hit} of ${table.rules} rules (${table.percent}%), ${table.reachableHit} of ${table.reachable} reachable (${table.reachablePercent}%); --coverage for the table\n`);
  }
  return stats.findings.length ? 1 : 0;
}
