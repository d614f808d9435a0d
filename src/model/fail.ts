/** Raising the model's errors: one helper so every failure carries its errno and why. */
import { Errno, type ErrnoDetails } from '../errors.js';

/**
 * Fail with `code` because of `reason`. The handle layer names the call (syscall, operation)
 * when it turns this into the caller's KvmError, as it does for the kernel backend.
 */
export function fail(code: Errno['code'], reason: string, extra?: Omit<ErrnoDetails, 'reason'>): never {
  throw failure(code, reason, extra);
}

/**
 * The failure fail() throws, for a rule that returns it (Failed in handles/backend.ts: the calls
 * whose refusal is an everyday answer) or throws it itself.
 */
export function failure(code: Errno['code'], reason: string, extra?: Omit<ErrnoDetails, 'reason'>): Errno {
  failureObserver?.(code, reason);
  // A plain literal when there is nothing extra (nearly always): an object spread here took a
  // slow runtime path on every refusal.
  return new Errno(code, extra === undefined ? { reason } : { ...extra, reason });
}

/** A u64 in hex, as kernel people write addresses and sizes. */
export const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

/**
 * Who is told of every refusal before it is thrown: the fuzzer's rule coverage (src/fuzz/rules.ts
 * names each one from its reason). One slot, unset outside coverage runs, so it costs one check.
 */
let failureObserver: ((code: string, reason: string) => void) | undefined;
export function observeFailures(observer: ((code: string, reason: string) => void) | undefined): void {
  failureObserver = observer;
}
