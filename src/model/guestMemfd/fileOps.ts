/**
 * The file calls guest_memfd does not implement, and what the VFS answers for each: a
 * guest_memfd has no read/write methods, no positional I/O, no seeking, and a fixed size. Each
 * returns its refusal (Failed in handles/backend.ts).
 */
import type { Errno } from '../../errors.js';
import { asLoff } from '../../uapi/memory.js';
import { failure } from '../fail.js';

export const refuseRead = (): Errno => failure('EINVAL', 'guest_memfd has no read method');
export const refuseWrite = (): Errno => failure('EINVAL', 'guest_memfd has no write method');

/** pread/pwrite: a negative position is checked before whether the file allows positional I/O. */
export function refusePositional(position: bigint): Errno {
  if (asLoff(position) < 0n) return failure('EINVAL', 'position is negative as a loff_t');
  return failure('ESPIPE', 'guest_memfd does not support positional I/O');
}

/** The largest whence lseek knows (SEEK_HOLE); a larger one is refused before seekability is asked. */
const SEEK_MAX = 4;

export function refuseLseek(whence: number): Errno {
  if (whence > SEEK_MAX) return failure('EINVAL', `whence ${whence} is not a SEEK_* value`);
  return failure('ESPIPE', 'guest_memfd is not seekable');
}
export const refuseFtruncate = (): Errno => failure('EINVAL', 'the size of a guest_memfd is fixed at creation');
export const refuseFsync = (): Errno => failure('EINVAL', 'guest_memfd has no fsync method');
export const refuseFchmod = (): Errno => failure('EINVAL', 'guest_memfd refuses attribute changes');
