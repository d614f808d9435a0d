/** What every public handle shares: one backend descriptor, EBADF once closed. */
import type { FdHandle } from '../api.js';
import { KvmError } from '../errors.js';
import { callNamed, named } from './named.js';
import type { Failed, FileBackend } from './backend.js';
import { whenCollected, type Release } from './finalizer.js';

export abstract class FdHandleBase<B extends FileBackend> implements FdHandle {
  readonly #backend: B;
  /** How the descriptor is closed, by close() or by the safety net; cleared once done. */
  readonly #closer: Release;

  /** `beforeClose` runs just before the descriptor is closed; it must not reach the handle. */
  protected constructor(backend: B, beforeClose?: () => void) {
    this.#backend = backend;
    this.#closer = {
      release: () => {
        try {
          beforeClose?.();
        } finally {
          backend.close();
        }
      },
    };
    if (backend.systemResource) whenCollected(this, this.#closer);
  }

  /** The backend behind a descriptor handle of this layer, or undefined for anything else. */
  static backendOf(value: unknown): FileBackend | undefined {
    return typeof value === 'object' && value !== null && #backend in value ? (value as FdHandleBase<FileBackend>).#backend : undefined;
  }

  get fd(): number {
    return this.#backend.fd;
  }

  get closed(): boolean {
    return this.#closer.release === undefined;
  }

  /**
   * The backend, for a call that is allowed on this descriptor. A closed handle answers EBADF
   * without reaching the backend: its number may already belong to another file, and acting on
   * that would be the very bug owning handles exist to prevent.
   */
  protected open(syscall: string, operation: string): B {
    if (this.#closer.release === undefined) throw new KvmError('EBADF', { syscall, operation, reason: `descriptor ${this.#backend.fd} was closed` });
    return this.#backend;
  }

  /**
   * Make the backend call for `operation` (a `syscall`): EBADF when closed, and a failure, thrown
   * or returned (see Failed in backend.ts), becomes the KvmError naming this call, the same on
   * every backend.
   */
  protected sys<T>(syscall: string, operation: string, call: (backend: B) => Failed<T>): T {
    return callNamed(this.open(syscall, operation), syscall, operation, call);
  }

  close(): void {
    const release = this.#closer.release;
    if (release === undefined) return;
    this.#closer.release = undefined;
    try {
      release();
    } catch (err) {
      throw named(err, 'close', 'close');
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
