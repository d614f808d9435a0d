/**
 * Running the catalog on one backend, or on the model and the kernel side by side. On both, a
 * check's steps are compared one by one; a kernel answer listed as a known divergence of this
 * host is reported as such and not counted as a failure.
 */
import type { Kvm } from '../api.js';
import { openModel } from '../open.js';
import { kernelProfileChoice } from '../model/hostConfig.js';
import type { Profile } from '../model/profile.js';
import { noGuestMemfd, runInstance, unmetRequirement, type ScenarioReport } from '../scenario/runner.js';
import type { CatalogEntry } from './catalog.js';
import { compareReports, type DisagreementRow } from './differential.js';
import { knownDivergence } from './divergences.js';

export type { DisagreementRow } from './differential.js';

export type CheckStatus = 'pass' | 'fail' | 'skip' | 'known-divergence';

export interface CheckResult {
  id: string;
  description: string;
  status: CheckStatus;
  /** Why it was skipped, what failed, or which divergence it shows. */
  reason?: string;
  report?: ScenarioReport;
}

export interface ConformanceRun {
  /** One entry per backend run: 'model (linux-6.18)', 'kernel'. */
  runs: { backend: string; results: CheckResult[] }[];
  /** With two backends: every step where they disagree. */
  disagreements: DisagreementRow[];
  /** With two backends: how many steps both ran and were compared. */
  compared?: number;
  /** With two backends: which release profile the kernel is judged by, and why. */
  profileNote?: string;
}

function runEntry(kvm: Kvm, entry: CatalogEntry, release: string | undefined): CheckResult {
  if (entry.kind === 'scenario') {
    const report = runInstance(kvm, entry.instance, undefined, release ?? kvm.features().profileData?.release.release);
    const base = { id: entry.id, description: entry.description, report };
    if (report.status !== 'fail' || kvm.backend !== 'kernel') return { ...base, status: report.status, ...(report.reason ? { reason: report.reason } : {}) };
    // A kernel failure whose first failing step is a known divergence of this host (with the listed
    // answer) is not a failure; the steps after it only follow from it.
    const first = report.steps.find((s) => s.failure)!;
    const known = knownDivergence(entry.instance.steps[first.index], first.outcome, release);
    if (known) return { ...base, status: 'known-divergence', reason: `${known.name}: ${report.reason}` };
    return { ...base, status: 'fail', reason: report.reason! };
  }
  // Every code check makes a guest_memfd: on a kernel without one, that is the reason to skip.
  const skip =
    noGuestMemfd(kvm) ??
    unmetRequirement(kvm, { id: entry.id, scenario: { name: entry.id, steps: [] }, requires: entry.check.requires, steps: [], origin: 'code' }) ??
    entry.check.notApplicable?.(kvm);
  if (skip) return { id: entry.id, description: entry.description, status: 'skip', reason: skip };
  const failure = entry.check.run(kvm);
  return failure ? { id: entry.id, description: entry.description, status: 'fail', reason: failure } : { id: entry.id, description: entry.description, status: 'pass' };
}

export interface RunOptions {
  /** Called after each check (progress on a terminal). */
  onResult?: (backend: string, result: CheckResult, index: number, total: number) => void;
  /** The release profile a kernel is judged by (its `expectBy` entries and divergences). */
  release?: string;
}

/** Run the entries on one Kvm (each check gets a fresh Kvm from `open`). */
export function runOn(open: () => Kvm, label: string, entries: CatalogEntry[], opts: RunOptions = {}): CheckResult[] {
  return entries.map((entry, i) => {
    const kvm = open();
    try {
      const result = runEntry(kvm, entry, opts.release);
      opts.onResult?.(label, result, i, entries.length);
      return result;
    } finally {
      kvm.close();
    }
  });
}

/**
 * The model (configured like the kernel) and the kernel, side by side. The model follows `base`
 * (--profile) or the release profile chosen for the kernel, and the kernel is judged by the same
 * release (its `expectBy` entries, its divergences).
 */
export function runBoth(openKernel: () => Kvm, entries: CatalogEntry[], opts: RunOptions = {}, base?: Profile): ConformanceRun {
  const { profile, note } = kernelProfileChoice(openKernel, base);
  const release = profile.release.release;
  const modelLabel = `model (${profile.name})`;
  const model = runOn(() => openModel(profile), modelLabel, entries, { ...opts, release });
  const kernel = runOn(openKernel, 'kernel', entries, { ...opts, release });
  const rows: DisagreementRow[] = [];
  let compared = 0;
  entries.forEach((e, i) => {
    const m = model[i]!.report;
    const k = kernel[i]!.report;
    if (!m || !k || e.kind !== 'scenario') return;
    const c = compareReports(e.instance, m, k, { release });
    compared += c.compared;
    rows.push(...c.rows);
  });
  return { runs: [{ backend: modelLabel, results: model }, { backend: 'kernel', results: kernel }], disagreements: rows, compared, profileNote: note };
}

/** Did the run fail? Known divergences do not count. */
export function failed(run: ConformanceRun): boolean {
  return run.runs.some((r) => r.results.some((c) => c.status === 'fail')) || run.disagreements.some((d) => !d.divergence);
}

export function summary(results: CheckResult[]): Record<CheckStatus, number> {
  const s: Record<CheckStatus, number> = { pass: 0, fail: 0, skip: 0, 'known-divergence': 0 };
  for (const r of results) s[r.status]++;
  return s;
}
