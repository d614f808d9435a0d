/** Raising the model's errors: one helper so every failure carries its errno and why. */
import { Errno, type ErrnoDetails } from '../errors.js';

/**
 * Fail with `code` because of `reason`. The handle layer names the call (syscall, operation)
 * when it turns this into the caller's KvmError, as it does for the kernel backend.
 */
export function fail(code: Errno['code'], reason: string, extra: Omit<ErrnoDetails, 'reason'> = {}): never {
  throw new Errno(code, { reason, ...extra });
}

/** A u64 in hex, as kernel people write addresses and sizes. */
export const hex = (value: bigint | number): string => `0x${value.toString(16)}`;
