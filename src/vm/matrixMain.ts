/**
 * npm run test:kernels [-- --fuzz-seconds N] [--only debian:7.3] [--numa N]: the matrix over every
 * cached kernel, each booted once with gmem vm (with N NUMA nodes, default 2, so the memory
 * policy checks that name a second node run); prints one table (Markdown, for README) and exits 1 when
 * a kernel could not be booted or a disagreement is not a documented divergence.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { entryMatches, entryName, listEntries, parseKernelName } from './kernelEntry.js';
import { formatMatrix, matrixGuestCommand, parseMatrixOutput, type MatrixRow } from './matrix.js';
import { kernelCacheDir } from './paths.js';
import { MAX_NUMA_NODES } from './qemu.js';

const GMEM = fileURLToPath(new URL('../../../bin/gmem.js', import.meta.url));
const USAGE = `usage: npm run test:kernels -- [--fuzz-seconds N] [--only KERNEL] [--numa N]

Boots every kernel in gmem's cache (or only KERNEL, e.g. debian:7.3 or build:7.3.4) with gmem vm,
runs conform --backend both and a differential fuzz of N seconds (default 60) inside, with --numa
nodes (default 2), and prints one Markdown table. Exit 1 when a kernel could not be booted or a
disagreement is not a documented divergence.
`;

/** A usage error: what is wrong and the usage, exit 2, no stack trace (the caller's mistake). */
function usageError(message: string): never {
  process.stderr.write(`test:kernels: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      strict: true,
      allowPositionals: false,
      options: { 'fuzz-seconds': { type: 'string', default: '60' }, only: { type: 'string' }, numa: { type: 'string', default: '2' }, help: { type: 'boolean', short: 'h', default: false } },
    }).values;
  } catch (err) {
    return usageError((err as Error).message);
  }
}

const values = parse();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const fuzzSeconds = Number(values['fuzz-seconds']);
const numa = values.numa!;
if (!/^\d+(\.\d+)?$/.test(values['fuzz-seconds']!) || !(fuzzSeconds > 0)) usageError(`--fuzz-seconds wants a positive number of seconds, not ${JSON.stringify(values['fuzz-seconds'])}`);
if (!/^\d+$/.test(numa) || Number(numa) < 1 || Number(numa) > MAX_NUMA_NODES) usageError(`--numa wants a whole number of nodes from 1 to ${MAX_NUMA_NODES}, not ${JSON.stringify(numa)}`);
if (values.only !== undefined && parseKernelName(values.only) === undefined) usageError(`--only wants a kernel name like debian:7.3 or build:7.3.4, not ${JSON.stringify(values.only)}`);
const entries = listEntries(kernelCacheDir()).filter((e) => {
  if (!values.only) return true;
  const name = parseKernelName(values.only)!;
  return entryMatches(e, name);
});
if (entries.length === 0) {
  process.stderr.write(`no kernels cached in ${kernelCacheDir()}: gmem kernels get debian:7.3 (or gmem kernels build --source DIR)\n`);
  process.exit(2);
}

function bootOne(spec: string): Promise<{ stdout: string; stderr: string; status: number | null; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GMEM, 'vm', '--kernel', spec, '--numa', numa, '--timeout', String(fuzzSeconds + 600), '--', ...matrixGuestCommand(fuzzSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('close', (status) => resolve({ stdout, stderr, status, seconds: (Date.now() - started) / 1000 }));
  });
}

const rows: MatrixRow[] = [];
for (const e of entries) {
  const spec = entryName(e);
  process.stderr.write(`\n== ${spec} (${e.release})\n`);
  const r = await bootOne(spec);
  const row: MatrixRow = { kernel: e.release, vmTypes: /VM types: (.*)/.exec(r.stderr)?.[1] ?? '?', wallSeconds: r.seconds, status: r.status === 0 ? 'ok' : `exit ${r.status}` };
  if (/\/dev\/kvm: yes/.test(r.stderr)) parseMatrixOutput(r.stdout, row);
  else {
    const why = /Kernel panic - not syncing: (.*)/.exec(r.stderr)?.[1] ?? /gmem vm: (kvm_amd did not load|timed out.*|QEMU failed.*)/.exec(r.stderr)?.[1];
    row.status = why ? why.slice(0, 60) : row.status;
  }
  rows.push(row);
}
process.stdout.write(formatMatrix(rows));
const bad = rows.some((r) => r.status !== 'ok' || (r.undocumentedDisagreements ?? 0) > 0 || (r.fuzzDisagreements ?? 0) > 0);
process.exit(bad ? 1 : 0);
