/**
 * The fuzzer: random operation sequences run on the model and, when a kernel is given, on the
 * kernel too. Differential: the first step where the two disagree (and that is not a known
 * divergence) is a finding. Model-only: a step after which the model's own invariants fail
 * (src/fuzz/invariants.ts) is a finding. A finding is shrunk to the fewest steps that still show
 * it and written out as a scenario file that reproduces it (`gmem run FILE --backend both`).
 * Every model step is also counted against the model's rules (src/fuzz/coverage.ts), and the
 * counts steer generation towards the rules not yet met (src/fuzz/generate.ts).
 */
import type { Kvm } from '../api.js';
import { compareReports, type DisagreementRow } from '../conformance/differential.js';
import { openModel } from '../open.js';
import type { Profile } from '../model/profile.js';
import { scenarioInstances } from '../scenario/load.js';
import { describeOutcome } from '../scenario/outcome.js';
import { runInstance, type RunObserver, type ScenarioReport } from '../scenario/runner.js';
import type { Expectation, Outcome, Scenario, ScenarioInstance, Step } from '../scenario/types.js';
import { ScenarioError } from '../scenario/values.js';
import { Coverage } from './coverage.js';
import { Steering, randomSteps } from './generate.js';
import { InvariantError, checkInvariants } from './invariants.js';
import { Random } from './random.js';

export interface Finding {
  steps: Step[];
  /** Index of the disagreeing step in `steps`. */
  at: number;
  model: Outcome;
  /** The kernel's answer; absent for a model-only finding. */
  kernel?: Outcome;
  /** The broken invariant, for a model-only finding. */
  invariant?: string;
}

export interface FuzzStats {
  sequences: number;
  operations: number;
  /** Steps where the two disagreed as a known divergence describes. */
  knownDivergences: Record<string, number>;
  findings: Finding[];
  /** Milliseconds spent running steps on each backend (the rest is generation and comparison). */
  modelMs: number;
  kernelMs: number;
  /** Sequences the kernel backend could not run (its guest program failed). */
  backendErrors: number;
  /**
   * Sequences whose comparison ended at a step one backend cannot ask at all (an UnsupportedError:
   * on the kernel, a guest access of a chosen kind on a VM with private memory), by step kind.
   */
  unsupported: Record<string, number>;
  /** The run stopped at its deadline inside a sequence. */
  cutShort: boolean;
}

/** Thrown by a step observer when the run's time is up: the sequence stops where it is. */
class DeadlineReached extends Error {}

/**
 * One /dev/kvm for a whole run: opening it reads the host's configuration (the in-place
 * parameter, NUMA nodes, gup_test) and its descriptor caches what the kernel answers for good
 * (KVM_GET_SUPPORTED_CPUID), while nothing a sequence makes outlives the sequence (the runner
 * closes every handle). A sequence may close /dev/kvm itself: the next one gets a fresh one.
 */
class KernelSession {
  private kvm: Kvm | undefined;

  constructor(private readonly open: () => Kvm) {}

  get(): Kvm {
    if (!this.kvm || this.kvm.closed) this.kvm = this.open();
    return this.kvm;
  }

  close(): void {
    this.kvm?.close();
    this.kvm = undefined;
  }
}

/** What one run of a sequence needs besides the steps. */
interface Context {
  profile: Profile;
  kernel?: KernelSession;
  coverage?: Coverage;
  deadline: number;
  stats?: FuzzStats;
}

function instanceOf(steps: Step[]): ScenarioInstance | undefined {
  try {
    return scenarioInstances({ name: 'fuzz', steps })[0];
  } catch (err) {
    if (err instanceof ScenarioError) return undefined; // A shrink candidate that lost a handle's maker.
    throw err;
  }
}

/** The model's run, observed step by step: coverage, invariants (model-only), the deadline. */
function runModel(instance: ScenarioInstance, ctx: Context, invariants: boolean): { report: ScenarioReport; broken?: { at: number; what: string } } {
  const kvm = openModel(ctx.profile);
  let broken: { at: number; what: string } | undefined;
  const observer: RunObserver = {
    afterStep(handles, report) {
      const step = instance.steps[report.index]!;
      ctx.coverage?.afterStep(step, report);
      if (ctx.stats) ctx.stats.operations++;
      if (invariants && !broken) {
        try {
          checkInvariants(step, report, handles);
        } catch (err) {
          if (!(err instanceof InvariantError)) throw err;
          broken = { at: report.index, what: err.message };
        }
      }
      if (Date.now() > ctx.deadline) throw new DeadlineReached();
    },
  };
  const t0 = performance.now();
  ctx.coverage?.listen();
  try {
    const report = runInstance(kvm, instance, observer);
    return { report, ...(broken ? { broken } : {}) };
  } finally {
    ctx.coverage?.stop();
    kvm.close();
    if (ctx.stats) ctx.stats.modelMs += performance.now() - t0;
  }
}

/**
 * The step a differential run reports, of the rows where model and kernel differ. A step a
 * scenario limit stopped on either side already ended the comparison (the engine's rule: limits
 * charge each backend what it really allocates). A step both sides did not run (the API refused
 * the arguments, or a handle it names was never made) is the same answer, whatever addresses the
 * two messages name. A step one side did not run while the other ran it is a disagreement: the
 * one handle layer answered two ways.
 */
export function firstDisagreement(rows: readonly DisagreementRow[]): DisagreementRow | undefined {
  return rows.find((r) => !('notRun' in r.aOutcome && 'notRun' in r.bOutcome));
}

/** Run one sequence; the first unexplained disagreement or broken invariant, or undefined. */
function check(steps: Step[], ctx: Context): Finding | undefined {
  const instance = instanceOf(steps);
  if (!instance) return undefined;
  if (!ctx.kernel) {
    const m = runModel(instance, ctx, true);
    return m.broken ? { steps, at: m.broken.at, model: m.report.steps[m.broken.at]!.outcome, invariant: m.broken.what } : undefined;
  }
  const kvmK = ctx.kernel.get();
  const deadlineObserver: RunObserver = {
    afterStep() {
      if (Date.now() > ctx.deadline) throw new DeadlineReached();
    },
  };
  const t0 = performance.now();
  let k;
  try {
    k = runInstance(kvmK, instance, deadlineObserver);
  } catch (err) {
    // The kernel backend's own machinery failed (its guest program stopped): no answer to compare.
    if ((err as { code?: unknown }).code !== 'ERR_GUEST_PROGRAM') throw err;
    if (ctx.stats) ctx.stats.backendErrors++;
    return undefined;
  } finally {
    if (ctx.stats) ctx.stats.kernelMs += performance.now() - t0;
  }
  const m = runModel(instance, ctx, false);
  const first = firstDisagreement(compareReports(instance, m.report, k, { recognize: true }).rows);
  if (!first) return undefined;
  // A question one backend cannot ask (the kernel's guest program cannot choose private or shared
  // on a VM with private memory: the hardware or the attributes decide) is not a disagreement. The
  // two states part there, so the comparison ends there too. (A step only one side's API refused
  // is reported: firstDisagreement passes it on.)
  if ('unsupported' in first.aOutcome || 'unsupported' in first.bOutcome) {
    if (ctx.stats) ctx.stats.unsupported[steps[first.step]!.do] = (ctx.stats.unsupported[steps[first.step]!.do] ?? 0) + 1;
    return undefined;
  }
  if (first.divergence) {
    // What follows a known divergence follows from it.
    if (ctx.stats) ctx.stats.knownDivergences[first.divergence] = (ctx.stats.knownDivergences[first.divergence] ?? 0) + 1;
    return undefined;
  }
  return { steps, at: first.step, model: first.aOutcome, kernel: first.bOutcome };
}

/** What an outcome is, without its addresses and bytes. */
const outcomeKind = (o: Outcome): string =>
  'errno' in o ? o.errno : 'signal' in o ? o.signal : 'exit' in o ? o.exit : 'ok' in o ? 'ok' : 'unsupported' in o ? 'unsupported' : 'notRun';

/** A finding's kind: its step, and the two answers (or the broken invariant's first words). */
const findingKind = (f: Finding): string =>
  `${f.steps[f.at]!.do}:${outcomeKind(f.model)}:${f.kernel ? outcomeKind(f.kernel) : f.invariant!.split(':')[0]}`;

/** The same finding: the same kind of step, and the same broken invariant when model-only. */
const sameKind = (a: Finding, b: Finding) =>
  a.steps[a.at]!.do === b.steps[b.at]!.do && (a.invariant === undefined) === (b.invariant === undefined);

/** Remove steps while the finding (of the same kind of step) remains. */
function shrink(finding: Finding, kernel: KernelSession | undefined, profile: Profile): Finding {
  const ctx: Context = { profile, deadline: Infinity, ...(kernel ? { kernel } : {}) };
  let best = finding;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = best.steps.length - 1; i >= 0; i--) {
      const candidate = best.steps.filter((_s, j) => j !== i);
      const again = check(candidate, ctx);
      if (again && sameKind(again, best)) {
        best = again;
        changed = true;
      }
    }
  }
  return best;
}

/** What the disagreeing step must produce to match the model: as precise as the outcome allows. */
function expectation(step: Step, o: Outcome): Expectation {
  // The model's API refused the step: no expectation describes that (the run reports it).
  if ('notRun' in o) return 'any';
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

/** One line that says what a finding is. */
export function describeFinding(f: Finding): string {
  const step = `step ${f.at} ${f.steps[f.at]!.do}`;
  return f.kernel
    ? `${step}: model ${describeOutcome(f.model)}, kernel ${describeOutcome(f.kernel)}`
    : `${step}: the model's invariant broke: ${f.invariant}`;
}

/** The scenario that reproduces a finding: the steps, the disagreeing one expecting the model's (upstream's) answer. */
export function findingScenario(f: Finding, seed: number, index: number): Scenario {
  const what = f.kernel
    ? `the model answers ${describeOutcome(f.model)}, the kernel ${describeOutcome(f.kernel)}. Run it with: gmem run FILE --backend both`
    : `the model answers ${describeOutcome(f.model)} and its invariant breaks: ${f.invariant}`;
  return {
    name: `fuzz.seed${seed}.finding${index}`,
    description: `Found by the ${f.kernel ? 'differential' : 'model-only'} fuzzer (seed ${seed}). Step ${f.at} (${f.steps[f.at]!.do}): ${what}`,
    source: 'gmem differential fuzzer',
    steps: f.steps.map((s, i) =>
      i === f.at ? { ...s, expect: expectation(s, f.model), note: f.kernel ? `the kernel answered ${describeOutcome(f.kernel)}` : `invariant: ${f.invariant}` } : s,
    ),
  };
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this long... */
  seconds?: number;
  /** ...or after this many sequences, whichever comes first. */
  sequences?: number;
  maxLength?: number;
  /** Count rule coverage into this (and steer towards the rules it has not met). */
  coverage?: Coverage;
  /** Generate without steering: the random breadth alone (for comparisons). */
  unsteered?: boolean;
  onProgress?: (stats: FuzzStats) => void;
}

/** Fuzz the model against the kernel, or (openKernel undefined) the model against its invariants. */
export function fuzz(openKernel: (() => Kvm) | undefined, profile: Profile, opts: FuzzOptions): FuzzStats {
  const rng = new Random(opts.seed);
  const stats: FuzzStats = { sequences: 0, operations: 0, knownDivergences: {}, findings: [], modelMs: 0, kernelMs: 0, backendErrors: 0, unsupported: {}, cutShort: false };
  const deadline = Date.now() + (opts.seconds ?? 3600) * 1000;
  const maxLength = opts.maxLength ?? 24;
  const coverage = opts.coverage ?? new Coverage(profile);
  const steering = opts.unsteered ? undefined : new Steering(profile, coverage);
  const kernel = openKernel ? new KernelSession(openKernel) : undefined;
  const ctx: Context = { profile, coverage, deadline, stats, ...(kernel ? { kernel } : {}) };
  const seen = new Set<string>();
  try {
    // The first sequence is always begun, so that a deadline shorter than the setup above (a
    // loaded machine) still shows where it stops a run: inside that sequence, cut short.
    while ((stats.sequences === 0 || Date.now() < deadline) && stats.sequences < (opts.sequences ?? Infinity)) {
      const steps = randomSteps(rng, 3 + rng.int(Math.max(1, maxLength - 2)), { profile, steering, deadline, forKernel: kernel !== undefined });
      stats.sequences++;
      let finding: Finding | undefined;
      try {
        finding = check(steps, ctx);
      } catch (err) {
        if (!(err instanceof DeadlineReached)) throw err;
        stats.cutShort = true;
        break;
      }
      if (finding) {
        // One finding per kind of step and pair of answers (addresses aside): the same bug found
        // again adds nothing, and shrinking it again would cost the run most of its time.
        const key = findingKind(finding);
        if (!seen.has(key)) {
          seen.add(key);
          stats.findings.push(shrink(finding, kernel, profile));
        }
      }
      if (stats.sequences % 50 === 0) opts.onProgress?.(stats);
    }
  } finally {
    kernel?.close();
  }
  return stats;
}
