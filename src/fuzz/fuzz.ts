/**
 * The differential fuzzer: random operation sequences run on the kernel and on the model
 * configured like it; the first step where they disagree (and that is not a known divergence) is a
 * finding. A finding is shrunk to the fewest steps that still disagree and written out as a
 * scenario file that reproduces it (`gmem run FILE --backend both`).
 */
import type { Kvm } from '../api.js';
import { compareReports } from '../conformance/differential.js';
import { openModel } from '../open.js';
import type { Profile } from '../model/profile.js';
import { scenarioInstances } from '../scenario/load.js';
import { describeOutcome } from '../scenario/outcome.js';
import { runInstance } from '../scenario/runner.js';
import type { Expectation, Outcome, Scenario, Step } from '../scenario/types.js';
import { ScenarioError } from '../scenario/values.js';
import { randomSteps } from './generate.js';
import { Random } from './random.js';

export interface Finding {
  steps: Step[];
  /** Index of the disagreeing step in `steps`. */
  at: number;
  model: Outcome;
  kernel: Outcome;
}

export interface FuzzStats {
  sequences: number;
  operations: number;
  /** Steps where the two disagreed as a known divergence describes. */
  knownDivergences: Record<string, number>;
  findings: Finding[];
}

/** Compare one sequence; the first unexplained disagreement, or undefined. */
function compare(steps: Step[], openKernel: () => Kvm, profile: Profile, stats?: FuzzStats): Finding | undefined {
  let instance;
  try {
    [instance] = scenarioInstances({ name: 'fuzz', steps });
  } catch (err) {
    if (err instanceof ScenarioError) return undefined; // A shrink candidate that lost a handle's maker.
    throw err;
  }
  const kvmK = openKernel();
  const kvmM = openModel(profile);
  try {
    const k = runInstance(kvmK, instance!);
    const m = runInstance(kvmM, instance!);
    const first = compareReports(instance!, m, k, { recognize: true }).rows[0];
    if (!first) return undefined;
    if (first.divergence) {
      // What follows a known divergence follows from it.
      if (stats) stats.knownDivergences[first.divergence] = (stats.knownDivergences[first.divergence] ?? 0) + 1;
      return undefined;
    }
    return { steps, at: first.step, model: first.aOutcome, kernel: first.bOutcome };
  } finally {
    kvmK.close();
    kvmM.close();
  }
}

/** Remove steps while the disagreement (of the same kind of step) remains. */
export function shrink(finding: Finding, openKernel: () => Kvm, profile: Profile): Finding {
  let best = finding;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = best.steps.length - 1; i >= 0; i--) {
      const candidate = best.steps.filter((_s, j) => j !== i);
      const again = compare(candidate, openKernel, profile);
      if (again && again.steps[again.at]!.do === best.steps[best.at]!.do) {
        best = again;
        changed = true;
      }
    }
  }
  return best;
}

/** What the disagreeing step must produce to match the model: as precise as the outcome allows. */
function expectation(step: Step, o: Outcome): Expectation {
  if ('errno' in o) return { errno: o.errno };
  if ('signal' in o) return { signal: o.signal as 'SIGBUS' };
  if ('exit' in o) return { exit: o.exit };
  if ('unsupported' in o) return { unsupported: true };
  if ('ok' in o && typeof o.ok === 'number') return { value: o.ok };
  // Reads return bytes (as hex); other calls return u64s (as decimal strings).
  const reads = ['hostRead', 'fileRead', 'pread', 'guestRead'];
  if ('ok' in o && typeof o.ok === 'string') return reads.includes(step.do) ? { bytes: o.ok } : /^\d+$/.test(o.ok) ? { value: o.ok } : 'ok';
  return 'ok';
}

/** The scenario that reproduces a finding: the steps, the disagreeing one expecting the model's (upstream's) answer. */
export function findingScenario(f: Finding, seed: number, index: number): Scenario {
  return {
    name: `fuzz.seed${seed}.finding${index}`,
    description: `Found by the differential fuzzer (seed ${seed}). Step ${f.at} (${f.steps[f.at]!.do}): the model answers ${describeOutcome(f.model)}, the kernel ${describeOutcome(f.kernel)}. Run it with: gmem run FILE --backend both`,
    source: 'gmem differential fuzzer',
    steps: f.steps.map((s, i) => (i === f.at ? { ...s, expect: expectation(s, f.model), note: `the kernel answered ${describeOutcome(f.kernel)}` } : s)),
  };
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this long... */
  seconds?: number;
  /** ...or after this many sequences, whichever comes first. */
  sequences?: number;
  maxLength?: number;
  onProgress?: (stats: FuzzStats) => void;
}

export function fuzz(openKernel: () => Kvm, profile: Profile, opts: FuzzOptions): FuzzStats {
  const rng = new Random(opts.seed);
  const stats: FuzzStats = { sequences: 0, operations: 0, knownDivergences: {}, findings: [] };
  const deadline = Date.now() + (opts.seconds ?? 3600) * 1000;
  const maxLength = opts.maxLength ?? 24;
  const seen = new Set<string>();
  while (Date.now() < deadline && stats.sequences < (opts.sequences ?? Infinity)) {
    const steps = randomSteps(rng, 3 + rng.int(maxLength - 2));
    stats.sequences++;
    stats.operations += steps.length;
    const finding = compare(steps, openKernel, profile, stats);
    if (finding) {
      const small = shrink(finding, openKernel, profile);
      // One finding per kind of step and pair of answers: the same bug found again adds nothing.
      const key = `${small.steps[small.at]!.do}:${describeOutcome(small.model)}:${describeOutcome(small.kernel)}`;
      if (!seen.has(key)) {
        seen.add(key);
        stats.findings.push(small);
      }
    }
    if (stats.sequences % 50 === 0) opts.onProgress?.(stats);
  }
  return stats;
}
