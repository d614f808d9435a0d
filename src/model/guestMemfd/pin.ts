/** The Pin handle of the model: it holds its pages (and so the file) until released. */
import type { Pin } from '../../api.js';
import { pageOffset } from '../../uapi/memory.js';
import type { GmemInode } from './inode.js';
import type { PinRecord } from './pins.js';

export class ModelPin implements Pin {
  private record: PinRecord | null;
  readonly offset: bigint;
  readonly length: bigint;

  constructor(private readonly inode: GmemInode, start: number, end: number) {
    this.offset = pageOffset(start);
    this.length = pageOffset(end - start);
    // Pinning faults the pages in, as get_user_pages does.
    inode.faultInRange(start, end);
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
