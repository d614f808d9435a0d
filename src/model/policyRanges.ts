/**
 * Values by page range, sparse: a VMA's memory policy (per page of a mapping), a file's shared
 * policy (per file page, any page number: the kernel's tree is keyed by page offset, not bounded
 * by the file size), the node a page was placed on. Only ranges that have a value are kept, sorted
 * and disjoint, adjacent equal ones merged. mbind is rare and its ranges few, so plain arrays do;
 * nothing here is on a hot path.
 */
import { samePolicy, type Policy } from './mempolicy.js';

export interface PolicyRun<T = Policy> {
  start: number;
  end: number;
  /** null: no value (for a policy: MPOL_DEFAULT). */
  policy: T | null;
}

export class SparseRanges<T> {
  private runs: { start: number; end: number; policy: T }[] = [];

  constructor(private readonly same: (a: T, b: T) => boolean) {}

  /** The policy of page `index`, or null. */
  at(index: number): T | null {
    for (const r of this.runs) if (index >= r.start && index < r.end) return r.policy;
    return null;
  }

  /** [start, end) cut into maximal runs of one policy (null where none), in order. */
  pieces(start: number, end: number): PolicyRun<T>[] {
    const out: PolicyRun<T>[] = [];
    let pos = start;
    for (const r of this.runs) {
      if (r.end <= pos) continue;
      if (r.start >= end) break;
      if (r.start > pos) out.push({ start: pos, end: r.start, policy: null });
      const to = Math.min(r.end, end);
      out.push({ start: Math.max(r.start, pos), end: to, policy: r.policy });
      pos = to;
    }
    if (pos < end) out.push({ start: pos, end, policy: null });
    return out;
  }

  /** The maximal run of one policy (or of none) around page `index`, within [0, limit). */
  runAround(index: number, limit: number): { start: number; end: number } {
    let start = 0;
    let end = limit;
    for (const r of this.runs) {
      if (index >= r.start && index < r.end) return { start: r.start, end: Math.min(r.end, limit) };
      if (r.end <= index) start = Math.max(start, r.end);
      else if (r.start > index) {
        end = Math.min(end, r.start);
        break;
      }
    }
    return { start, end };
  }

  /** Give [start, end) `policy` (null removes any). */
  set(start: number, end: number, policy: T | null): void {
    const kept: { start: number; end: number; policy: T }[] = [];
    for (const r of this.runs) {
      if (r.end <= start || r.start >= end) {
        kept.push(r);
        continue;
      }
      if (r.start < start) kept.push({ start: r.start, end: start, policy: r.policy });
      if (r.end > end) kept.push({ start: end, end: r.end, policy: r.policy });
    }
    if (policy) kept.push({ start, end, policy });
    kept.sort((a, b) => a.start - b.start);
    const merged: typeof kept = [];
    for (const r of kept) {
      const last = merged[merged.length - 1];
      if (last && last.end === r.start && this.same(last.policy, r.policy)) last.end = r.end;
      else merged.push({ ...r });
    }
    this.runs = merged;
  }
}

/** Memory policies by page range. */
export class PolicyRanges extends SparseRanges<Policy> {
  constructor() {
    super(samePolicy);
  }
}
