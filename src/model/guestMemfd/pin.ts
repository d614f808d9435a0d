/** The Pin handle of the model: it holds its pages (and so the file) until released. */
import type { Pin } from '../../api.js';
import { PAGE_SHIFT } from '../../uapi/memory.js';
import type { GmemInode } from './inode.js';
import type { PinRecord } from './pins.js';

export class ModelPin implements Pin {
  private record: PinRecord | null;
  readonly offset: bigint;
  readonly length: bigint;

  constructor(private readonly inode: GmemInode, start: number, end: number) {
    this.offset = BigInt(start) << BigInt(PAGE_SHIFT);
    this.length = BigInt(end - start) << BigInt(PAGE_SHIFT);
    // Pinning faults the pages in, as get_user_pages does.
    for (let page = start; page < end; page++) inode.faultIn(page);
    inode.get();
    this.record = inode.pins.add(start, end, inode.pageCount);
  }

  get released(): boolean {
    return this.record === null;
  }

  release(): void {
    if (!this.record) return;
    this.inode.pins.release(this.record);
    this.record = null;
    this.inode.put();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
