/** Argument checks shared by the model's handles (types and ranges, not kernel rules). */
import { constants } from 'node:buffer';
import { describeValue, u32 } from '../args.js';

/** A byte count for a buffer the API returns: a safe integer that fits a Uint8Array. */
export function checkedLength(value: unknown, name: string): number {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(`${name} must be a number, got ${describeValue(value)}`);
  }
  const n = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : NaN;
  if (typeof n !== 'bigint' || n < 0n || n > BigInt(constants.MAX_LENGTH)) {
    throw new RangeError(`${name} must be an integer from 0 to ${constants.MAX_LENGTH}, got ${describeValue(value)}`);
  }
  return Number(n);
}

/** PROT_* bits: only READ, WRITE and EXEC are accepted by this API. */
export function checkedProt(value: unknown, valid: number): number {
  const prot = u32(value, 'prot');
  if (prot & ~valid) throw new RangeError(`prot 0x${prot.toString(16)} has bits other than PROT_READ|PROT_WRITE|PROT_EXEC`);
  return prot;
}
