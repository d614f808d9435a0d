/**
 * Sparse page contents: only pages that hold written data cost memory; every other page reads
 * as zeroes. Page indices are numbers (files are at most 2^63 bytes, so at most 2^51 pages).
 */
import { liveModelObjects } from './stats.js';

/** Bytes [from, from + length) of `a`: `a` itself when that is all of it (a whole page copied),
 * sparing the view object a subarray costs on every page of an access. */
function span(a: Uint8Array, from: number, length: number): Uint8Array {
  return from === 0 && length === a.length ? a : a.subarray(from, from + length);
}

export class PageStore {
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly pageSize: number) {}

  /** Copy `length` bytes of page `index` from `offset` into `dest` at `destOffset`. */
  read(index: number, offset: number, dest: Uint8Array, destOffset: number, length: number): void {
    const page = this.pages.get(index);
    if (page) dest.set(span(page, offset, length), destOffset);
    else dest.fill(0, destOffset, destOffset + length);
  }

  write(index: number, offset: number, src: Uint8Array, srcOffset: number, length: number): void {
    this.pageFor(index).set(span(src, srcOffset, length), offset);
  }

  fill(index: number, offset: number, length: number, byte: number): void {
    // Zeroes over a page that holds nothing change nothing: keep the page sparse.
    if (byte === 0 && !this.pages.has(index)) return;
    this.pageFor(index).fill(byte, offset, offset + length);
  }

  /**
   * Fill bytes [start, end) of the store (byte offsets; bigint, as files reach 2^63 bytes). Zeroes
   * cost only the stored pages in the range (whole ones are dropped: they read as zeroes anyway);
   * any other byte stores every page it covers.
   */
  fillRange(start: bigint, end: bigint, byte: number): void {
    if (start >= end) return;
    const size = BigInt(this.pageSize);
    const first = Number(start / size);
    const last = Number((end - 1n) / size);
    const headFrom = Number(start % size);
    const tailTo = Number((end - 1n) % size) + 1;
    const part = (index: number) => {
      const from = index === first ? headFrom : 0;
      const to = index === last ? tailTo : this.pageSize;
      if (byte === 0 && from === 0 && to === this.pageSize) this.drop(index, index + 1);
      else this.fill(index, from, to - from, byte);
    };
    if (byte !== 0 || last - first + 1 <= this.pages.size) {
      for (let index = first; index <= last; index++) part(index);
      return;
    }
    for (const index of [...this.pages.keys()]) if (index >= first && index <= last) part(index);
  }

  /** Forget pages [start, end): they read as zeroes again. Cost follows the smaller of the range and the store. */
  drop(start: number, end: number): void {
    const before = this.pages.size;
    if (end - start <= this.pages.size) {
      for (let i = start; i < end; i++) this.pages.delete(i);
    } else {
      for (const index of this.pages.keys()) {
        if (index >= start && index < end) this.pages.delete(index);
      }
    }
    liveModelObjects.storedPages -= before - this.pages.size;
  }

  clear(): void {
    liveModelObjects.storedPages -= this.pages.size;
    this.pages.clear();
  }

  /** Pages that hold data. */
  get storedPages(): number {
    return this.pages.size;
  }

  get storedBytes(): number {
    return this.pages.size * this.pageSize;
  }

  private pageFor(index: number): Uint8Array {
    let page = this.pages.get(index);
    if (!page) {
      page = new Uint8Array(this.pageSize);
      this.pages.set(index, page);
      liveModelObjects.storedPages++;
    }
    return page;
  }
}
