/**
 * The kernel matrix: for each cached kernel, one boot that runs `gmem conform --backend both
 * --format json` and a short differential fuzz, and one row of counts per kernel. The counts
 * come from the conform JSON; the fuzzer's totals from its closing line (it has no JSON mode).
 */
import { MARKER } from './protocol.js';

export interface MatrixRow {
  kernel: string;
  vmTypes: string;
  /** The release profile conform chose for the kernel (its JSON's "profile" note). */
  profile?: string;
  /** Per backend: pass/fail/skip/known-divergence counts, e.g. { kernel: {...}, model: {...} }. */
  kernelCounts?: Record<string, number>;
  disagreements?: number;
  undocumentedDisagreements?: number;
  fuzzOperations?: number;
  fuzzSeconds?: number;
  fuzzDisagreements?: number;
  wallSeconds: number;
  status: string;
}

export const FUZZ_SEPARATOR = `${MARKER}-fuzz`;

/** The shell line run inside each guest. */
export function matrixGuestCommand(fuzzSeconds: number): string[] {
  return ['sh', '-c', `gmem conform --backend both --format json; echo ${FUZZ_SEPARATOR}; node /gmem/dist/src/fuzz/main.js --seconds ${fuzzSeconds} --out /tmp/fuzz-findings; true`];
}

interface ConformJson {
  profile?: string;
  runs: { backend: string; summary: Record<string, number> }[];
  disagreements: { divergence?: unknown }[];
}

/** Fills a row from the guest's stdout (conform JSON, the separator, the fuzzer's output). */
export function parseMatrixOutput(stdout: string, row: MatrixRow): void {
  const [conformText = '', fuzzText = ''] = stdout.split(`${FUZZ_SEPARATOR}\n`);
  try {
    const json = JSON.parse(conformText) as ConformJson;
    const kernelRun = json.runs.find((r) => r.backend === 'kernel');
    if (kernelRun) row.kernelCounts = kernelRun.summary;
    const profile = /^profile (\S+?):/.exec(json.profile ?? '')?.[1];
    if (profile) row.profile = profile;
    row.disagreements = json.disagreements.length;
    row.undocumentedDisagreements = json.disagreements.filter((d) => !d.divergence).length;
  } catch {
    row.status = 'conform gave no JSON';
  }
  const m = /operations run: (\d+), disagreements found: (\d+) .* in ([\d.]+) s/.exec(fuzzText);
  if (m) {
    row.fuzzOperations = Number(m[1]);
    row.fuzzDisagreements = Number(m[2]);
    row.fuzzSeconds = Number(m[3]);
  } else if (/kernel backend is unavailable/.test(fuzzText)) row.fuzzOperations = 0;
}

export function formatMatrix(rows: readonly MatrixRow[]): string {
  const header = ['kernel', 'VM types', 'profile', 'passed', 'failed', 'skipped', 'known div.', 'disagreements (undoc.)', 'fuzz ops (ops/s)', 'fuzz disagr.', 'wall', 'status'];
  const body = rows.map((r) => {
    const c = r.kernelCounts;
    return [
      r.kernel,
      r.vmTypes,
      r.profile ?? '-',
      String(c?.pass ?? '-'),
      String(c?.fail ?? '-'),
      String(c?.skip ?? '-'),
      String(c?.['known-divergence'] ?? '-'),
      r.disagreements === undefined ? '-' : `${r.disagreements} (${r.undocumentedDisagreements})`,
      r.fuzzOperations === undefined ? '-' : `${r.fuzzOperations}${r.fuzzSeconds ? ` (${Math.round(r.fuzzOperations / r.fuzzSeconds)})` : ''}`,
      String(r.fuzzDisagreements ?? '-'),
      `${r.wallSeconds.toFixed(0)} s`,
      r.status,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
