/** Turning the addon's "result or negative errno" into a value or a KvmError. */
import { errorFromErrno } from '../errors.js';

/** The result, or throw the errno as a KvmError naming the syscall and operation. */
export function check<T>(result: T | number, syscall: string, operation: string): T {
  if (typeof result === 'number' && result < 0) throw errorFromErrno(-result, { syscall, operation });
  return result as T;
}
