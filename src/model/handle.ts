/** What every model handle shares: a descriptor in the model process, EBADF once closed. */
import type { FdHandle } from '../api.js';
import { fail } from './fail.js';
import type { ModelProcess, OpenFile } from './process.js';

export abstract class ModelFdHandle implements FdHandle {
  readonly fd: number;
  private isClosed = false;

  protected constructor(protected readonly process: ModelProcess<unknown>, file: OpenFile) {
    this.fd = process.install(file);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The check every call makes first: the kernel answers EBADF for a closed descriptor. */
  protected ensureOpen(syscall: string, operation: string): void {
    if (this.isClosed) fail('EBADF', syscall, operation, `descriptor ${this.fd} was closed`);
  }

  /** Whether this handle's descriptor lives in that model process. */
  belongsTo(process: ModelProcess<unknown>): boolean {
    return this.process === process;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.process.close(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
