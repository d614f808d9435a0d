/** Linux errno numbers (x86-64) that the interface produces or a caller may meet. */
import { constantTable } from './table.js';

export const ERRNOS = constantTable('errno', {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  ERANGE: 34,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  EHWPOISON: 133,
});
export type ErrnoName = keyof typeof ERRNOS.byName;
