/**
 * mm/gup_test's debugfs interface (CONFIG_GUP_TEST, /sys/kernel/debug/gup_test): the only way a
 * user process can hold a long-term pin (FOLL_LONGTERM pin_user_pages) of its own pages, as
 * upstream's elevated_refcount conversion selftest does. Numbers and layout as the kernel's
 * mm/gup_test.h defines them (ioctl type 'g'); each open file holds at most one pinned range,
 * released by STOP or by closing the file.
 */
import { io, iow } from './ioctl.js';
import { layoutSize, type StructLayout } from './structs.js';
import { constantTable } from './table.js';

/** Where debugfs puts the file (the kernel backend's default). */
export const GUP_TEST_PATH = '/sys/kernel/debug/gup_test';

const GUP_TEST_IO = 0x67; // 'g'

/** u64 addr, u64 size, u32 flags, padded to the u64 alignment (24 bytes; the addon asserts it). */
export const pin_longterm_test = {
  addr: { offset: 0, size: 8 },
  size: { offset: 8, size: 8 },
  flags: { offset: 16, size: 4 },
  /** The tail padding, named so that every byte the kernel reads is one the library wrote (0). */
  pad: { offset: 20, size: 4 },
} as const satisfies StructLayout;

/** pin_user_pages with FOLL_WRITE (refused for shared file mappings other than shmem); 0 pins for reading. */
export const PIN_LONGTERM_TEST_FLAG_USE_WRITE = 1;
/** pin_user_pages_fast instead of pin_user_pages. */
export const PIN_LONGTERM_TEST_FLAG_USE_FAST = 2;

export const GUP_TEST_IOCTLS = constantTable('gup_test ioctl', {
  /** Pin [addr, addr + size) of the caller's address space, page aligned; EINVAL if this file already holds a pin. */
  PIN_LONGTERM_TEST_START: iow(GUP_TEST_IO, 7, layoutSize(pin_longterm_test)),
  /** Unpin what START pinned (nothing pinned: a no-op). */
  PIN_LONGTERM_TEST_STOP: io(GUP_TEST_IO, 8),
  // Not PIN_LONGTERM_TEST_READ (9): it copies the pinned pages through a pointer inside its
  // argument, which the addon's buffer check could not bound, and a pin needs nothing read back.
});
