/** What every public handle shares: one backend descriptor, EBADF once closed. */
import type { FdHandle } from '../api.js';
import { KvmError } from '../errors.js';
import { named } from './named.js';
import type { FileBackend } from './backend.js';
import { whenCollected } from './finalizer.js';
import { register } from './registry.js';

/** How a handle's descriptor is closed: by close(), or by the safety net if it is never called. */
interface Closer {
  closed: boolean;
  close(): void;
}

export abstract class FdHandleBase<B extends FileBackend> implements FdHandle {
  readonly #backend: B;
  readonly #closer: Closer;

  /** `beforeClose` runs just before the descriptor is closed; it must not reach the handle. */
  protected constructor(backend: B, beforeClose?: () => void) {
    this.#backend = backend;
    this.#closer = {
      closed: false,
      close: () => {
        try {
          beforeClose?.();
        } finally {
          backend.close();
        }
      },
    };
    register(this, backend);
    whenCollected(this, this.#closer);
  }

  get fd(): number {
    return this.#backend.fd;
  }

  get closed(): boolean {
    return this.#closer.closed;
  }

  /**
   * The backend, for a call that is allowed on this descriptor. A closed handle answers EBADF
   * without reaching the backend: its number may already belong to another file, and acting on
   * that would be the very bug owning handles exist to prevent.
   */
  protected open(syscall: string, operation: string): B {
    if (this.#closer.closed) throw new KvmError('EBADF', { syscall, operation, reason: `descriptor ${this.#backend.fd} was closed` });
    return this.#backend;
  }

  /**
   * Make the backend call for `operation` (a `syscall`): EBADF when closed, and a failure becomes
   * the KvmError naming this call, the same on every backend.
   */
  protected sys<T>(syscall: string, operation: string, call: (backend: B) => T): T {
    const backend = this.open(syscall, operation);
    try {
      return call(backend);
    } catch (err) {
      throw named(err, syscall, operation);
    }
  }

  close(): void {
    if (this.#closer.closed) return;
    this.#closer.closed = true;
    try {
      this.#closer.close();
    } catch (err) {
      throw named(err, 'close', 'close');
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
