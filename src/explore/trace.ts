/**
 * A scenario turned into a trace: the model runs it and is read after every step. With a second
 * backend (the kernel), the same instance runs there too and each step carries its outcome, so
 * the page shows where the two part ways. Pictures always come from the model: the kernel does
 * not let userspace read which pages are private or bound.
 */
import type { Kvm } from '../api.js';
import { runInstance } from '../scenario/runner.js';
import { describeOutcome } from '../scenario/outcome.js';
import type { ScenarioInstance } from '../scenario/types.js';
import { snapshot } from './snapshot.js';
import type { Trace, TraceStep } from './traceTypes.js';

export interface TraceOptions {
  /** Opens the model the pictures come from. */
  openModel: () => Kvm;
  modelLabel: string;
  /** A second backend to run alongside, with its label. */
  other?: { open: () => Kvm; label: string };
}

function withKvm<T>(open: () => Kvm, use: (kvm: Kvm) => T): T {
  const kvm = open();
  try {
    return use(kvm);
  } finally {
    kvm.close();
  }
}

export function traceInstance(instance: ScenarioInstance, opts: TraceOptions): Trace {
  const steps: TraceStep[] = [];
  const report = withKvm(opts.openModel, (kvm) =>
    runInstance(kvm, instance, {
      afterStep: (handles, r) => {
        const outcome = describeOutcome(r.outcome);
        steps.push({
          index: r.index,
          do: r.do,
          ...(r.note ? { note: r.note } : {}),
          step: { ...instance.steps[r.index]! },
          expected: r.expected,
          outcome,
          ok: 'ok' in r.outcome,
          ...(r.failure ? { failure: r.failure } : {}),
          ...(r.detail ? { detail: r.detail } : {}),
          after: snapshot(handles),
        });
      },
    }),
  );
  const trace: Trace = {
    id: instance.id,
    description: instance.scenario.description ?? '',
    origin: instance.origin,
    backend: opts.modelLabel,
    status: report.status,
    ...(report.reason ? { reason: report.reason } : {}),
    steps,
  };
  if (!opts.other) return trace;
  const other = opts.other;
  const otherReport = withKvm(other.open, (kvm) => runInstance(kvm, instance));
  trace.other = other.label;
  if (otherReport.status === 'skip') trace.reason = `${trace.reason ? `${trace.reason}; ` : ''}${other.label}: skipped (${otherReport.reason})`;
  otherReport.steps.forEach((s, i) => {
    const mine = steps[i];
    if (!mine) return;
    const outcome = describeOutcome(s.outcome);
    mine.other = { backend: other.label, outcome, agrees: JSON.stringify(s.outcome) === JSON.stringify(report.steps[i]?.outcome) };
  });
  return trace;
}
