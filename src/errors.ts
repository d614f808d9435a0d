/**
 * The one error class of the API. It follows Node's system-error conventions (`code`,
 * negative `errno`, `syscall`) and adds the KVM operation that failed, so that a caller can
 * switch on `code` exactly as it would for an fs error.
 */
import { ERRNOS, type ErrnoName } from './uapi/errno.js';

/** Codes that are not errnos: a host touch the kernel answers with a signal. */
export type SignalCode = 'SIGBUS' | 'SIGSEGV';
export type KvmErrorCode = ErrnoName | SignalCode;

export interface KvmErrorDetails {
  /** The system call that failed: 'ioctl', 'fallocate', 'mmap', 'read', ... or 'access' for a memory touch. */
  syscall: string;
  /** The KVM or file operation, named as the kernel names it: 'KVM_CREATE_GUEST_MEMFD', 'fallocate', ... */
  operation: string;
  /** Why, in words (the model knows which check failed; the kernel backend usually does not). */
  reason?: string;
  /** For signals: the offset within the mapping of the first byte that could not be touched. */
  mappingOffset?: bigint;
  /** For signals: the file offset of the page that could not be touched. */
  fileOffset?: bigint;
  /** For conversions: the offset the kernel reported back (error_offset). */
  errorOffset?: bigint;
}

export class KvmError extends Error {
  override readonly name = 'KvmError';
  readonly code: KvmErrorCode;
  /** Negative errno as in Node's system errors; undefined for signals. */
  readonly errno: number | undefined;
  readonly syscall: string;
  readonly operation: string;
  readonly reason: string | undefined;
  readonly mappingOffset: bigint | undefined;
  readonly fileOffset: bigint | undefined;
  readonly errorOffset: bigint | undefined;

  constructor(code: KvmErrorCode, details: KvmErrorDetails) {
    const why = details.reason ? `: ${details.reason}` : '';
    super(`${details.operation}: ${code}${why}`);
    this.code = code;
    this.errno = isSignal(code) ? undefined : -ERRNOS.byName[code];
    this.syscall = details.syscall;
    this.operation = details.operation;
    this.reason = details.reason;
    this.mappingOffset = details.mappingOffset;
    this.fileOffset = details.fileOffset;
    this.errorOffset = details.errorOffset;
  }
}

function isSignal(code: KvmErrorCode): code is SignalCode {
  return code === 'SIGBUS' || code === 'SIGSEGV';
}

/** What a failure carries besides its code: why, and the offsets some calls report. */
export type ErrnoDetails = Pick<KvmErrorDetails, 'reason' | 'mappingOffset' | 'fileOffset' | 'errorOffset'>;

/**
 * A backend's failure: the errno (or signal) and, where the backend knows it, why. It names no
 * call: the handle layer (src/handles) that made the call turns it into the KvmError the caller
 * sees, with that call's syscall and operation, so both backends name every call alike.
 *
 * Not an Error: it is thrown only between a backend and the handle layer, which always turns
 * it into the KvmError (with the caller's stack) that anyone sees. An Error, even one built
 * without a stack, cost some thirty times this object, on every refused call of either backend.
 */
export class Errno {
  readonly code: KvmErrorCode;
  readonly details: ErrnoDetails;

  constructor(code: KvmErrorCode, details: ErrnoDetails = {}) {
    this.code = code;
    this.details = details;
  }

  /** Should one ever escape the handle layer (a bug), it still reads as what it is. */
  get message(): string {
    return `${this.code}${this.details.reason ? `: ${this.details.reason}` : ''}`;
  }

  toString(): string {
    return `Errno: ${this.message}`;
  }

  /** The KvmError for this failure of `operation` (a `syscall`). */
  named(syscall: string, operation: string): KvmError {
    const { reason, mappingOffset, fileOffset, errorOffset } = this.details;
    return new KvmError(this.code, { syscall, operation, reason, mappingOffset, fileOffset, errorOffset });
  }
}

/** A raw positive errno number (as the native addon reports it) as an Errno. */
export function errnoFromNumber(errno: number, details: ErrnoDetails = {}): Errno {
  const name = ERRNOS.nameOf(errno);
  if (name === undefined) return new Errno('EIO', { ...details, reason: `unrecognised errno ${errno}${details.reason ? `; ${details.reason}` : ''}` });
  return new Errno(name, details);
}

export function isKvmError(value: unknown, code?: KvmErrorCode): value is KvmError {
  return value instanceof KvmError && (code === undefined || value.code === code);
}

/**
 * A backend cannot do this at all (as opposed to the kernel refusing it): for example long-term
 * pins on the kernel backend. Not a KvmError, so it is never mistaken for a kernel's errno.
 */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
  readonly code = 'ERR_UNSUPPORTED';
  constructor(readonly backend: string, readonly operation: string, reason: string) {
    super(`${operation} is not supported by the ${backend} backend: ${reason}`);
  }
}
