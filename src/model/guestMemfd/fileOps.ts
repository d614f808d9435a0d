/**
 * The file calls guest_memfd does not implement, and what the VFS answers for each: a
 * guest_memfd has no read/write methods, no positional I/O, no seeking, and a fixed size.
 */
import { asLoff } from '../../uapi/memory.js';
import { fail } from '../fail.js';

export const refuseRead = (): never => fail('EINVAL', 'guest_memfd has no read method');
export const refuseWrite = (): never => fail('EINVAL', 'guest_memfd has no write method');

/** pread/pwrite: a negative position is checked before whether the file allows positional I/O. */
export function refusePositional(position: bigint): never {
  if (asLoff(position) < 0n) fail('EINVAL', 'position is negative as a loff_t');
  return fail('ESPIPE', 'guest_memfd does not support positional I/O');
}

/** The largest whence lseek knows (SEEK_HOLE); a larger one is refused before seekability is asked. */
const SEEK_MAX = 4;

export function refuseLseek(whence: number): never {
  if (whence > SEEK_MAX) fail('EINVAL', `whence ${whence} is not a SEEK_* value`);
  return fail('ESPIPE', 'guest_memfd is not seekable');
}
export const refuseFtruncate = (): never => fail('EINVAL', 'the size of a guest_memfd is fixed at creation');
export const refuseFsync = (): never => fail('EINVAL', 'guest_memfd has no fsync method');
export const refuseFchmod = (): never => fail('EINVAL', 'guest_memfd refuses attribute changes');
