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

const GMEM = fileURLToPath(new URL('../../../bin/gmem.js', import.meta.url));
const { values } = parseArgs({ options: { 'fuzz-seconds': { type: 'string', default: '60' }, only: { type: 'string' }, numa: { type: 'string', default: '2' } } });
const fuzzSeconds = Number(values['fuzz-seconds']);
const numa = values.numa;
if (!Number.isFinite(fuzzSeconds) || fuzzSeconds <= 0 || !/^[1-8]$/.test(numa)) {
  process.stderr.write('usage: npm run test:kernels -- [--fuzz-seconds N] [--only debian:7.3] [--numa 1..8]\n');
  process.exit(2);
}
const entries = listEntries(kernelCacheDir()).filter((e) => {
  if (!values.only) return true;
  const name = parseKernelName(values.only);
  return name !== undefined && entryMatches(e, name);
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
