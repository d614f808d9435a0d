/** What every kernel handle shares: it owns one descriptor and never uses it once closed. */
import type { FdHandle } from '../api.js';
import { KvmError } from '../errors.js';
import type { NativeAddon } from './native.js';

export abstract class KernelFdHandle implements FdHandle {
  private isClosed = false;

  protected constructor(protected readonly native: NativeAddon, readonly fd: number) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * A closed handle answers EBADF without a syscall: its number may already belong to another
   * file, and acting on that would be the very bug owning handles exist to prevent.
   */
  protected ensureOpen(syscall: string, operation: string): void {
    if (this.isClosed) throw new KvmError('EBADF', { syscall, operation, reason: `descriptor ${this.fd} was closed` });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.native.close(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
