/** Raising the model's errors: one helper so every failure carries syscall, operation and why. */
import { KvmError, type KvmErrorCode, type KvmErrorDetails } from '../errors.js';

export function fail(
  code: KvmErrorCode,
  syscall: string,
  operation: string,
  reason: string,
  extra: Partial<KvmErrorDetails> = {},
): never {
  throw new KvmError(code, { syscall, operation, reason, ...extra });
}

/** A u64 in hex, as kernel people write addresses and sizes. */
export const hex = (value: bigint | number): string => `0x${value.toString(16)}`;
