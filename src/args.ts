/**
 * Argument validation for the public API. Every value that crosses into a backend passes
 * through here first, so a bad type or an out-of-range number is a TypeError/RangeError that
 * is raised before any state changes, on every backend alike.
 *
 * Every such refusal carries one of Node's argument codes (ERR_INVALID_ARG_TYPE,
 * ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE), made by the three functions below and nowhere else,
 * so that a caller (the scenario runner) can tell "the API refused the arguments" from a
 * TypeError or RangeError that is a bug.
 */
import { constants } from 'node:buffer';
import { U64_MAX, U32_MAX } from './uapi/memory.js';

const MAX_BUFFER_LENGTH = constants.MAX_LENGTH;

export type U64Input = number | bigint;

/** Node's codes for arguments refused before any call was made. */
export type ArgumentErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE';
const ARGUMENT_ERROR_CODES: ReadonlySet<string> = new Set<ArgumentErrorCode>(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_VALUE']);

export type ArgumentError = (TypeError | RangeError) & { readonly code: ArgumentErrorCode };

function coded<E extends TypeError | RangeError>(error: E, code: ArgumentErrorCode): E & { readonly code: ArgumentErrorCode } {
  return Object.defineProperty(error, 'code', { value: code, enumerable: true }) as E & { readonly code: ArgumentErrorCode };
}

/** An argument of the wrong type (ERR_INVALID_ARG_TYPE, a TypeError). */
export function invalidArgType(message: string): ArgumentError {
  return coded(new TypeError(message), 'ERR_INVALID_ARG_TYPE');
}

/** A number outside what the C type or the call allows (ERR_OUT_OF_RANGE, a RangeError). */
export function outOfRange(message: string): ArgumentError {
  return coded(new RangeError(message), 'ERR_OUT_OF_RANGE');
}

/**
 * A value of the right type that this call does not take (ERR_INVALID_ARG_VALUE): a TypeError
 * for a wrong name or kind, a RangeError for numeric bits or combinations, as Node does.
 */
export function invalidArgValue(message: string, as: 'TypeError' | 'RangeError' = 'TypeError'): ArgumentError {
  return coded(as === 'TypeError' ? new TypeError(message) : new RangeError(message), 'ERR_INVALID_ARG_VALUE');
}

/** Whether an error is the API refusing its arguments (and not a bug that threw a TypeError). */
export function isArgumentError(err: unknown): err is ArgumentError {
  return (err instanceof TypeError || err instanceof RangeError) && ARGUMENT_ERROR_CODES.has((err as { code?: unknown }).code as string);
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function toUnsigned(value: unknown, name: string, max: bigint, kind: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > max) throw outOfRange(`${name} must be a ${kind} (0..${max}), got ${describe(value)}`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw outOfRange(`${name} must be an integer ${kind}, got ${describe(value)}`);
    if (!Number.isSafeInteger(value)) {
      throw outOfRange(`${name} ${describe(value)} is beyond Number.MAX_SAFE_INTEGER and may have lost precision: pass a bigint`);
    }
    if (value < 0 || BigInt(value) > max) throw outOfRange(`${name} must be a ${kind} (0..${max}), got ${describe(value)}`);
    return BigInt(value);
  }
  throw invalidArgType(`${name} must be a number or a bigint, got ${typeof value === 'object' ? describe(value) : typeof value}`);
}

/** A u64 argument: a safe integer number or a bigint in [0, 2^64). */
export function u64(value: unknown, name: string): bigint {
  // Fast path for what every call passes, a safe non-negative integer (always below 2^64): the
  // same answer as toUnsigned, whose checks and messages decide everything else.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return toUnsigned(value, name, U64_MAX, 'u64');
}

const U32_MAX_N = BigInt(U32_MAX);

/** A u32 argument, returned as a number. */
export function u32(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= U32_MAX) return value + 0; // + 0: -0 becomes 0, as BigInt(-0) does
  return Number(toUnsigned(value, name, U32_MAX_N, 'u32'));
}

/** A u64 argument that may be omitted. */
export function optionalU64(value: unknown, name: string, fallback: bigint): bigint {
  return value === undefined ? fallback : u64(value, name);
}

export function optionalU32(value: unknown, name: string, fallback: number): number {
  return value === undefined ? fallback : u32(value, name);
}

/** An options object: undefined becomes {}, anything but a plain object is a TypeError. */
export function options<T extends object>(value: unknown, name: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgType(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

/** An options object with required presence of some keys. */
export function requireKeys(obj: object, keys: readonly string[], name: string): void {
  for (const key of keys) {
    if ((obj as Record<string, unknown>)[key] === undefined) throw invalidArgType(`${name}.${key} is required`);
  }
}

/** Bytes to write: a Uint8Array (or any ArrayBufferView / ArrayBuffer), copied as bytes. */
export function bytes(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw invalidArgType(`${name} must be a Uint8Array, another ArrayBufferView or an ArrayBuffer, got ${describe(value)}`);
}

/** A byte value for fills: an integer 0..255. */
export function byteValue(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(`${name} must be a number 0..255, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > 255) throw outOfRange(`${name} must be an integer 0..255, got ${describe(value)}`);
  return value;
}


export { describe as describeValue };

/** A byte count for a buffer the API returns: an integer that fits a Uint8Array. */
export function bufferLength(value: unknown, name: string): number {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw invalidArgType(`${name} must be a number, got ${describe(value)}`);
  }
  const n = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : undefined;
  if (n === undefined || n < 0n || n > BigInt(MAX_BUFFER_LENGTH)) {
    throw outOfRange(`${name} must be an integer from 0 to ${MAX_BUFFER_LENGTH}, got ${describe(value)}`);
  }
  return Number(n);
}

import { KVM_CAPS } from './uapi/caps.js';
import { KVM_X86_VM_TYPES } from './uapi/vmTypes.js';

/** A capability given by number (the ioctl's unsigned long argument) or by its uAPI name. */
export function capabilityNumber(value: unknown): bigint {
  if (typeof value === 'string') {
    if (!KVM_CAPS.has(value)) throw invalidArgValue(`unknown capability name: ${JSON.stringify(value)}`);
    return BigInt(KVM_CAPS.valueOf(value));
  }
  return u64(value, 'cap');
}

/**
 * The capability as KVM_CHECK_EXTENSION takes it, validated. Callers check capabilities in
 * loops: a small number stays an int32, with no BigInt.
 */
export function capabilityArg(value: unknown): number | bigint {
  return typeof value === 'number' && (value | 0) === value && value >= 0 ? value : capabilityNumber(value);
}

/** A VM type given by number or by its uAPI name. */
export function vmTypeNumber(value: unknown): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'string') {
    if (!KVM_X86_VM_TYPES.has(value)) throw invalidArgValue(`unknown VM type name: ${JSON.stringify(value)}`);
    return BigInt(KVM_X86_VM_TYPES.valueOf(value));
  }
  return u64(value, 'type');
}
