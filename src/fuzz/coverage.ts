/**
 * Rule coverage of one fuzz run: which of the model's rules (src/fuzz/rules.ts) the model met,
 * how often, and which it never met, per profile. Refusals are seen as the model raises them
 * (src/model/fail.ts tells an observer), outcomes after each step from what the step produced.
 */
import { observeFailures } from '../model/fail.js';
import type { Profile } from '../model/profile.js';
import type { StepReport } from '../scenario/runner.js';
import type { Step } from '../scenario/types.js';
import { outcomesMatching, refusalsMatching, rulesFor } from './rules.js';

export interface CoverageTable {
  profile: string;
  rules: number;
  hit: number;
  percent: number;
  /** The same over the rules that can be reached (those not marked unreachable with a reason). */
  reachable: number;
  reachableHit: number;
  reachablePercent: number;
  counts: Record<string, number>;
  /** Rules of this profile no run can reach, each with the reason (counted in `rules`, not in `reachable`). */
  unreachable: { id: string; why: string }[];
  neverHit: { id: string; why?: string }[];
  /** Refusals no rule names: the registry is behind the model. */
  unnamed: Record<string, number>;
}

export class Coverage {
  readonly counts = new Map<string, number>();
  readonly unnamed = new Map<string, number>();
  private pending: { code: string; reason: string }[] = [];

  constructor(readonly profile: Profile) {}

  /** Listen to the model's refusals until `stop`; only one coverage listens at a time. */
  listen(): void {
    observeFailures((code, reason) => this.pending.push({ code, reason }));
  }

  stop(): void {
    observeFailures(undefined);
    this.pending = [];
  }

  private add(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** One step of the model's run is done: name what it met. */
  afterStep(step: Step, report: StepReport): void {
    for (const { code, reason } of this.pending) {
      const [rule] = refusalsMatching(code, reason, step.do);
      if (rule) this.add(rule.id);
      else this.unnamed.set(`${code}: ${reason}`, (this.unnamed.get(`${code}: ${reason}`) ?? 0) + 1);
    }
    this.pending = [];
    for (const rule of outcomesMatching(step, report.outcome)) this.add(rule.id);
  }

  table(): CoverageTable {
    const rules = rulesFor(this.profile);
    const counts = Object.fromEntries(rules.map((r) => [r.id, this.counts.get(r.id) ?? 0]));
    const hit = rules.filter((r) => counts[r.id]! > 0).length;
    const reachable = rules.filter((r) => !r.unreachable);
    const reachableHit = reachable.filter((r) => counts[r.id]! > 0).length;
    const pct = (a: number, b: number) => (b ? Math.round((1000 * a) / b) / 10 : 100);
    return {
      reachable: reachable.length,
      reachableHit,
      reachablePercent: pct(reachableHit, reachable.length),
      profile: this.profile.name,
      rules: rules.length,
      hit,
      percent: rules.length ? Math.round((1000 * hit) / rules.length) / 10 : 100,
      counts,
      unreachable: rules.flatMap((r) => (r.unreachable ? [{ id: r.id, why: r.unreachable }] : [])),
      neverHit: rules.filter((r) => !counts[r.id]).map((r) => (r.unreachable ? { id: r.id, why: r.unreachable } : { id: r.id })),
      unnamed: Object.fromEntries(this.unnamed),
    };
  }
}

/** The table as a person reads it. */
export function formatCoverage(t: CoverageTable): string {
  const lines = [`rule coverage, profile ${t.profile}: ${t.hit} of ${t.rules} rules hit (${t.percent}%); ${t.reachableHit} of the ${t.reachable} reachable ones (${t.reachablePercent}%)`];
  const width = Math.max(...Object.keys(t.counts).map((k) => k.length));
  for (const [id, n] of Object.entries(t.counts).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${id.padEnd(width)}  ${n ? String(n) : 'never'}`);
  }
  const open = t.neverHit.filter((r) => !r.why);
  if (open.length) {
    lines.push('never hit, reachable:');
    for (const r of open) lines.push(`  ${r.id}`);
  }
  if (t.unreachable.length) {
    lines.push(`unreachable (in the ${t.rules} rules, not in the ${t.reachable} reachable ones):`);
    for (const r of t.unreachable) lines.push(`  ${r.id}: ${r.why}`);
  }
  for (const [reason, n] of Object.entries(t.unnamed)) lines.push(`  unnamed refusal x${n}: ${reason}`);
  return lines.join('\n') + '\n';
}
