/**
 * Values by page range, sparse: a VMA's memory policy (per page of a mapping), a file's shared
 * policy (per file page, any page number: the kernel's tree is keyed by page offset, not bounded
 * by the file size), the node a page was placed on. Only ranges that have a value are kept, sorted
 * and disjoint, adjacent equal ones merged. mbind is rare and its ranges few, so plain arrays do;
 * nothing here is on a hot path.
 */
export interface SparseRun<T> {
  start: number;
  end: number;
  /** null: no value (for a policy: MPOL_DEFAULT). */
  value: T | null;
}

export class SparseRanges<T> {
  private runs: { start: number; end: number; value: T }[] = [];

  constructor(private readonly same: (a: T, b: T) => boolean) {}

  /** The value of page `index`, or null. */
  at(index: number): T | null {
    for (const r of this.runs) if (index >= r.start && index < r.end) return r.value;
    return null;
  }

  /** [start, end) cut into maximal runs of one value (null where none), in order. */
  pieces(start: number, end: number): SparseRun<T>[] {
    const out: SparseRun<T>[] = [];
    let pos = start;
    for (const r of this.runs) {
      if (r.end <= pos) continue;
      if (r.start >= end) break;
      if (r.start > pos) out.push({ start: pos, end: r.start, value: null });
      const to = Math.min(r.end, end);
      out.push({ start: Math.max(r.start, pos), end: to, value: r.value });
      pos = to;
    }
    if (pos < end) out.push({ start: pos, end, value: null });
    return out;
  }

  /** The maximal run of one value (or of none) around page `index`, within [0, limit). */
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

  /** Give [start, end) `value` (null removes any). */
  set(start: number, end: number, value: T | null): void {
    const kept: { start: number; end: number; value: T }[] = [];
    for (const r of this.runs) {
      if (r.end <= start || r.start >= end) {
        kept.push(r);
        continue;
      }
      if (r.start < start) kept.push({ start: r.start, end: start, value: r.value });
      if (r.end > end) kept.push({ start: end, end: r.end, value: r.value });
    }
    if (value !== null) kept.push({ start, end, value });
    kept.sort((a, b) => a.start - b.start);
    const merged: typeof kept = [];
    for (const r of kept) {
      const last = merged[merged.length - 1];
      if (last && last.end === r.start && this.same(last.value, r.value)) last.end = r.end;
      else merged.push({ ...r });
    }
    this.runs = merged;
  }
}

