/** What every public handle shares: one backend descriptor, EBADF once closed. */
import type { FdHandle } from '../api.js';
import { KvmError } from '../errors.js';
import type { FileBackend } from './backend.js';
import { register } from './registry.js';

export abstract class FdHandleBase<B extends FileBackend> implements FdHandle {
  readonly #backend: B;
  #closed = false;

  protected constructor(backend: B) {
    this.#backend = backend;
    register(this, backend);
  }

  get fd(): number {
    return this.#backend.fd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The backend, for a call that is allowed on this descriptor. A closed handle answers EBADF
   * without reaching the backend: its number may already belong to another file, and acting on
   * that would be the very bug owning handles exist to prevent.
   */
  protected open(syscall: string, operation: string): B {
    if (this.#closed) throw new KvmError('EBADF', { syscall, operation, reason: `descriptor ${this.#backend.fd} was closed` });
    return this.#backend;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#backend.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
