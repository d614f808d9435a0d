/** Naming a backend's failure after the call the handle made. */
import { Errno } from '../errors.js';
import type { Failed } from './backend.js';

/**
 * A backend's Errno as the KvmError of this call (`syscall`, `operation`); anything else (a
 * TypeError from a bug, UnsupportedError) as it is.
 */
export function named(err: unknown, syscall: string, operation: string): unknown {
  return err instanceof Errno ? err.named(syscall, operation) : err;
}

/**
 * `call(backend)` for `operation` (a `syscall`): a failure, thrown or returned (Failed in
 * backend.ts), becomes the KvmError naming this call, the same on every backend and handle.
 */
export function callNamed<B, T>(backend: B, syscall: string, operation: string, call: (backend: B) => Failed<T>): T {
  let result: Failed<T>;
  try {
    result = call(backend);
  } catch (err) {
    throw named(err, syscall, operation);
  }
  if (result instanceof Errno) throw result.named(syscall, operation);
  return result;
}
