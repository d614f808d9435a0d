/**
 * Long-term pins of guest_memfd pages (a DMA mapping, a FOLL_LONGTERM get_user_pages). A pinned
 * page is referenced by someone other than the file, so a conversion to private must refuse it.
 * Each pin remembers which of its pages are still the file's: a punch takes pages out of the
 * file, and the pin then holds the old pages, which no longer block anything.
 */
import { RangeMap, type Fragment } from '../rangeMap.js';

export class PinRecord {
  /** 1 for each page of the pin that is still in the file. */
  readonly attached: RangeMap;

  constructor(readonly startPage: number, readonly endPage: number) {
    this.attached = new RangeMap(endPage - startPage, 1);
  }
}

export class PinSet {
  /** Per file page: how many live pins hold it. Created on first use: most files are never pinned. */
  private counts: RangeMap | null = null;
  private readonly live = new Set<PinRecord>();

  add(startPage: number, endPage: number, pageCount: number): PinRecord {
    this.counts ??= new RangeMap(pageCount, 0);
    this.counts.update(startPage, endPage, (n) => n + 1);
    const pin = new PinRecord(startPage, endPage);
    this.live.add(pin);
    return pin;
  }

  /** How many live pins hold each page, as fragments (none when the file was never pinned). */
  countRanges(): Fragment[] {
    return this.counts ? [...this.counts.ranges()] : [];
  }

  /** Drop a pin: its pages that are still the file's are one pin less busy. */
  release(pin: PinRecord): void {
    if (!this.live.delete(pin)) return;
    for (const piece of pin.attached.ranges()) {
      if (piece.value === 1) this.counts?.update(pin.startPage + piece.start, pin.startPage + piece.end, (n) => n - 1);
    }
  }

  /** Pages [start, end) leave the file (punch, or the file's release). */
  detach(start: number, end: number): void {
    for (const pin of this.live) {
      const s = Math.max(start, pin.startPage);
      const e = Math.min(end, pin.endPage);
      if (s >= e) continue;
      for (const piece of [...pin.attached.ranges(s - pin.startPage, e - pin.startPage)]) {
        if (piece.value !== 1) continue;
        this.counts?.update(pin.startPage + piece.start, pin.startPage + piece.end, (n) => n - 1);
        pin.attached.set(piece.start, piece.end, 0);
      }
    }
  }

  /** The first pinned page in [start, end), or -1. */
  firstPinned(start: number, end: number): number {
    return this.counts ? this.counts.findFirst(start, end, (n) => n > 0) : -1;
  }

  get livePins(): number {
    return this.live.size;
  }
}
