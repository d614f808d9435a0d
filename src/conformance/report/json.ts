/** JSON output of `gmem conform`: everything, bigints as strings. */
import type { ConformanceRun } from '../run.js';
import { summary } from '../run.js';

export function formatJson(run: ConformanceRun, meta: Record<string, unknown>): string {
  const body = {
    ...meta,
    ...(run.profileNote ? { profile: run.profileNote } : {}),
    runs: run.runs.map((r) => ({ backend: r.backend, summary: summary(r.results), results: r.results })),
    disagreements: run.disagreements.map(({ aOutcome: model, bOutcome: kernel, a: _a, b: _b, ...rest }) => ({ ...rest, model, kernel })),
  };
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}
