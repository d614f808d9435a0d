/**
 * The differential engine: one scenario instance run on the model and on a kernel, compared step
 * by step. `gmem conform --backend both`, the differential test (the whole catalog) and the
 * fuzzer (random sequences) all compare through here, so a disagreement means the same thing
 * everywhere: the outcomes differ, and it is a known divergence only when the step names one (or,
 * for unmarked random steps, a recognizer keyed by its name matches) and the kernel answered as
 * the divergence says. Later differences in the same instance follow from the first known one.
 */
import { disagreements, type Disagreement, type ScenarioReport } from '../scenario/runner.js';
import type { ScenarioInstance } from '../scenario/types.js';
import { knownDivergence, recognizeDivergence, type KnownDivergence } from './divergences.js';

export interface DisagreementRow extends Disagreement {
  /** The known divergence this is ("NAME (follows)" after it in the same instance), if it is one. */
  divergence?: string;
}

export interface Comparison {
  /** Steps both backends ran (0 when either skipped the instance). */
  compared: number;
  /** Every step where they disagree. */
  rows: DisagreementRow[];
}

export interface CompareOptions {
  /** Also recognize divergences on steps that carry no mark (the fuzzer's random steps). */
  recognize?: boolean;
  /** The release profile the kernel is judged by: divergences of other releases are not accepted. */
  release?: string;
}

/** Compare the model's and the kernel's reports of the same instance. */
export function compareReports(instance: ScenarioInstance, model: ScenarioReport, kernel: ScenarioReport, opts: CompareOptions = {}): Comparison {
  if (model.status === 'skip' || kernel.status === 'skip') return { compared: 0, rows: [] };
  const rows: DisagreementRow[] = [];
  let cause: KnownDivergence | undefined;
  for (const d of disagreements(model, kernel)) {
    const step = instance.steps[d.step];
    const known = knownDivergence(step, d.bOutcome, opts.release) ?? (opts.recognize && step ? recognizeDivergence(step, d.aOutcome, d.bOutcome, opts.release, madeState(instance, kernel, d.step)) : undefined);
    cause ??= known;
    rows.push(known ? { ...d, divergence: known.name } : cause ? { ...d, divergence: `${cause.name} (follows)` } : d);
  }
  const limitedAt = model.steps.findIndex((s, i) => s.limited || kernel.steps[i]?.limited);
  return { compared: limitedAt >= 0 ? limitedAt : Math.min(model.steps.length, kernel.steps.length), rows };
}

/**
 * The steps before `at` that the kernel did not refuse: what made the state a recognizer reads
 * (VMs, slots, files, protections). A refused call changed nothing, even when it names a real
 * file (rebinding a live slot to another file is EINVAL), so it must not stand for a slot.
 */
function madeState(instance: ScenarioInstance, kernel: ScenarioReport, at: number): ScenarioInstance['steps'] {
  return instance.steps.slice(0, at).filter((_, i) => !('errno' in (kernel.steps[i]?.outcome ?? {})));
}
