/** The differential test's view of the known divergences (the list is catalog/divergences.json; sequences mark the steps). */
import { divergenceEntry, type DivergenceEntry } from '../../src/scenario/divergenceData.js';
import { showsDivergence } from '../../src/conformance/divergences.js';
import type { Outcome as ScenarioOutcome } from '../../src/scenario/types.js';
import type { Outcome, Step } from './recorder.js';

/** A recorded outcome in the scenario runner's terms, as far as the divergence markers need it. */
function asScenarioOutcome(o: Outcome): ScenarioOutcome {
  if ('error' in o) return { errno: o.error };
  const exit = (o.ok as { ok?: boolean; exit?: { reason?: string } } | null)?.exit;
  return exit?.reason ? { exit: exit.reason } : { ok: o.ok };
}

/** The known divergence this kernel step shows: the one it is marked with, with the kernel answer that marks it. */
export function knownDifferential(step: Step): DivergenceEntry | undefined {
  const d = step.divergence === undefined ? undefined : divergenceEntry(step.divergence);
  return d && showsDivergence(d, asScenarioOutcome(step.outcome)) ? d : undefined;
}
