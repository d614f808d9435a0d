/**
 * KTAP output (the kernel selftests' format, Documentation/dev-tools/ktap.rst): a version line, a
 * plan, "ok N name" / "not ok N name", "# SKIP reason", diagnostics as "# " lines. A known
 * divergence is "not ok ... # TODO", KTAP's mark for an expected failure. With two backends each
 * is a subtest with its own plan.
 */
import type { CheckResult, ConformanceRun } from '../run.js';

/** KTAP names are one line; keep them free of '#', which starts a directive. */
const name = (id: string) => id.replace(/#/g, '_');

function lines(results: CheckResult[], indent: string): string[] {
  const out = [`${indent}1..${results.length}`];
  results.forEach((r, i) => {
    const n = i + 1;
    if (r.status === 'pass') out.push(`${indent}ok ${n} ${name(r.id)}`);
    else if (r.status === 'skip') out.push(`${indent}ok ${n} ${name(r.id)} # SKIP ${r.reason ?? ''}`.trimEnd());
    else if (r.status === 'known-divergence') out.push(`${indent}not ok ${n} ${name(r.id)} # TODO known divergence ${r.reason ?? ''}`.trimEnd());
    else {
      out.push(`${indent}# ${r.reason ?? 'failed'}`);
      out.push(`${indent}not ok ${n} ${name(r.id)}`);
    }
  });
  return out;
}

export function formatKtap(run: ConformanceRun): string {
  const out = ['KTAP version 1'];
  if (run.runs.length === 1) out.push(...lines(run.runs[0]!.results, ''));
  else {
    out.push(`1..${run.runs.length}`);
    if (run.profileNote) out.push(`# ${run.profileNote}`);
    run.runs.forEach((r, i) => {
      out.push(`    KTAP version 1`, `    # Subtest: ${r.backend}`, ...lines(r.results, '    '));
      const bad = r.results.some((c) => c.status === 'fail');
      out.push(`${bad ? 'not ok' : 'ok'} ${i + 1} ${name(r.backend)}`);
    });
    for (const d of run.disagreements) {
      out.push(`# disagreement ${d.id} step ${d.step} (${d.do}): model ${d.a}; kernel ${d.b}${d.divergence ? ` [known: ${d.divergence}]` : ' [UNEXPECTED]'}`);
    }
  }
  const all = run.runs.flatMap((r) => r.results);
  const count = (s: CheckResult['status']) => all.filter((c) => c.status === s).length;
  out.push(`# Totals: pass:${count('pass')} fail:${count('fail')} xfail:${count('known-divergence')} xpass:0 skip:${count('skip')} error:0`);
  return out.join('\n') + '\n';
}
