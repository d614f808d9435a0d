/** Turning the addon's "result or negative errno" into a value or a KvmError. */
import { errorFromErrno } from '../errors.js';

/** The addon's answer to arguments it cannot use (kBadArguments in native/args.h; test/kernel/native pins it). */
export const BAD_ARGUMENTS = -0x10000;

/** The result, or throw the errno as a KvmError naming the syscall and operation. */
export function check<T>(result: T | number, syscall: string, operation: string): T {
  if (typeof result === 'number' && result < 0) {
    // Never a kernel answer: the TypeScript layer passed something the addon cannot use.
    if (result === BAD_ARGUMENTS) throw new TypeError(`${operation}: the native addon refused its arguments (a bug in this library)`);
    throw errorFromErrno(-result, { syscall, operation });
  }
  return result as T;
}
