/** Turning the addon's "result or negative errno" into a value or an Errno. */
import { errnoFromNumber } from '../errors.js';

/** The addon's answer to arguments it cannot use (kBadArguments in native/args.h; test/kernel/native pins it). */
export const BAD_ARGUMENTS = -0x10000;

/** The result, or throw the errno (the handle layer names the call in the KvmError). */
export function check<T>(result: T | number): T {
  if (typeof result === 'number' && result < 0) {
    // Never a kernel answer: the TypeScript layer passed something the addon cannot use.
    if (result === BAD_ARGUMENTS) throw new TypeError('the native addon refused its arguments (a bug in this library)');
    throw errnoFromNumber(-result);
  }
  return result as T;
}
