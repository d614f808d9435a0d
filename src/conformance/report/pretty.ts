/** The human report of `gmem conform` and `gmem run`. */
import type { ConformanceRun, CheckResult } from '../run.js';
import { summary } from '../run.js';

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '-', 'known-divergence': '~' };

export function formatPretty(run: ConformanceRun, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const { backend, results } of run.runs) {
    lines.push(`== ${backend}`);
    for (const r of results) {
      if (r.status === 'skip' && !opts.verbose) continue;
      const why = r.status === 'pass' ? '' : `  (${r.status === 'skip' ? 'skipped: ' : r.status === 'known-divergence' ? 'known divergence ' : ''}${r.reason})`;
      lines.push(`  ${MARK[r.status]} ${r.id}${why}`);
    }
    const s = summary(results);
    lines.push(`  ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped${s['known-divergence'] ? `, ${s['known-divergence']} known divergences` : ''}${opts.verbose ? '' : ' (--verbose lists the skipped checks and why)'}`);
    lines.push('');
  }
  if (run.runs.length > 1) {
    lines.push('Disagreements between the model and the kernel:');
    if (run.disagreements.length === 0) lines.push('  none');
    else {
      const rows = run.disagreements.map((d) => [d.id, `${d.step} ${d.do}`, d.a, d.b, d.divergence ? `known: ${d.divergence}` : 'UNEXPECTED']);
      const header = ['check', 'step', 'model', 'kernel', ''];
      const width = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
      const cell = (t: string, i: number) => (t.length > width[i]! ? `${t.slice(0, width[i]! - 3)}...` : t.padEnd(width[i]!));
      lines.push(`  ${header.map(cell).join('  ')}`.trimEnd());
      for (const r of rows) lines.push(`  ${r.map(cell).join('  ')}`.trimEnd());
    }
    lines.push('');
  }
  const all = run.runs.flatMap((r) => r.results);
  const s = summary(all);
  const unexpected = run.disagreements.filter((d) => !d.divergence).length;
  lines.push(`${s.pass} passed, ${s.fail + unexpected} failed, ${s.skip} skipped${s['known-divergence'] ? `, ${s['known-divergence']} known divergences` : ''}`);
  return lines.join('\n') + '\n';
}
