/** Naming a backend's failure after the call the handle made. */
import { Errno } from '../errors.js';

/**
 * A backend's Errno as the KvmError of this call (`syscall`, `operation`); anything else (a
 * TypeError from a bug, UnsupportedError) as it is.
 */
export function named(err: unknown, syscall: string, operation: string): unknown {
  return err instanceof Errno ? err.named(syscall, operation) : err;
}
