/** Turning the addon's "result or negative errno" into a value or an Errno. */
import { Errno, errnoFromNumber } from '../errors.js';

/** The addon's answer to arguments it cannot use (kBadArguments in native/args.h; test/kernel/native pins it). */
export const BAD_ARGUMENTS = -0x10000;

/** The result, or the errno as an Errno to return (Failed in handles/backend.ts). */
export function result<T>(answer: T | number): T | Errno {
  if (typeof answer === 'number' && answer < 0) {
    // Never a kernel answer: the TypeScript layer passed something the addon cannot use.
    if (answer === BAD_ARGUMENTS) throw new TypeError('the native addon refused its arguments (a bug in this library)');
    return errnoFromNumber(-answer);
  }
  return answer as T;
}

/** The result, or throw the errno (the handle layer names the call in the KvmError). */
export function check<T>(answer: T | number): T {
  const r = result(answer);
  if (r instanceof Errno) throw r;
  return r;
}

/** A call without a value: nothing, or the errno as an Errno to return. */
export function failure(answer: number): Errno | undefined {
  return answer < 0 ? (result(answer) as Errno) : undefined;
}
