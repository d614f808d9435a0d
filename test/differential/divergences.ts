/** The differential test's view of the known divergences (the list lives in src/conformance/divergences.ts). */
import { KNOWN_DIVERGENCES as ALL, showsDivergence, type KnownDivergence } from '../../src/conformance/divergences.js';
import type { Outcome as ScenarioOutcome } from '../../src/scenario/types.js';
import type { Outcome } from './recorder.js';

/** A recorded outcome in the scenario runner's terms, as far as the divergence markers need it. */
function asScenarioOutcome(o: Outcome): ScenarioOutcome {
  if ('error' in o) return { errno: o.error };
  const exit = (o.ok as { ok?: boolean; exit?: { reason?: string } } | null)?.exit;
  return exit?.reason ? { exit: exit.reason } : { ok: o.ok };
}

/** The known divergence this step shows: listed for this sequence and step, with the kernel answer that marks it. */
export function knownDifferential(sequence: string, step: string, kernel: Outcome): KnownDivergence | undefined {
  return ALL.find((d) => d.differential.some((w) => w.sequence === sequence && w.step === step) && showsDivergence(d, asScenarioOutcome(kernel)));
}

/** Where each divergence is listed to show (to report the ones that no longer do). */
export const LISTED_STEPS = ALL.flatMap((d) => d.differential.map((w) => ({ name: d.name, ...w })));
