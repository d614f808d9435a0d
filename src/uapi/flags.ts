/** Flag words of the guest_memfd uAPI, as bit numbers (see table.ts for decoding). */
import { constantTable, flagTable } from './table.js';

/** KVM_CREATE_GUEST_MEMFD flags in Linux 6.18. Later proposals add bits through profiles. */
export const GUEST_MEMFD_FLAGS = flagTable('guest_memfd', {
  GUEST_MEMFD_FLAG_MMAP: 0,
  GUEST_MEMFD_FLAG_INIT_SHARED: 1,
});
export const GUEST_MEMFD_FLAG_MMAP = GUEST_MEMFD_FLAGS.value('GUEST_MEMFD_FLAG_MMAP');
export const GUEST_MEMFD_FLAG_INIT_SHARED = GUEST_MEMFD_FLAGS.value('GUEST_MEMFD_FLAG_INIT_SHARED');

/** kvm_userspace_memory_region(2).flags. */
export const MEMSLOT_FLAGS = flagTable('memslot', {
  KVM_MEM_LOG_DIRTY_PAGES: 0,
  KVM_MEM_READONLY: 1,
  KVM_MEM_GUEST_MEMFD: 2,
});
export const KVM_MEM_LOG_DIRTY_PAGES = Number(MEMSLOT_FLAGS.value('KVM_MEM_LOG_DIRTY_PAGES'));
export const KVM_MEM_READONLY = Number(MEMSLOT_FLAGS.value('KVM_MEM_READONLY'));
export const KVM_MEM_GUEST_MEMFD = Number(MEMSLOT_FLAGS.value('KVM_MEM_GUEST_MEMFD'));
/** The flags the original KVM_SET_USER_MEMORY_REGION accepts. */
export const KVM_SET_USER_MEMORY_REGION_V1_FLAGS = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;

/** Memory attributes (KVM_SET_MEMORY_ATTRIBUTES and KVM_CAP_MEMORY_ATTRIBUTES). */
export const MEMORY_ATTRIBUTES = flagTable('memory attribute', {
  KVM_MEMORY_ATTRIBUTE_PRIVATE: 3,
});
export const KVM_MEMORY_ATTRIBUTE_PRIVATE = MEMORY_ATTRIBUTES.value('KVM_MEMORY_ATTRIBUTE_PRIVATE');

/** kvm_run.memory_fault.flags. */
export const MEMORY_EXIT_FLAGS = flagTable('memory fault exit', {
  KVM_MEMORY_EXIT_FLAG_PRIVATE: 3,
});
export const KVM_MEMORY_EXIT_FLAG_PRIVATE = MEMORY_EXIT_FLAGS.value('KVM_MEMORY_EXIT_FLAG_PRIVATE');

/** fallocate(2) modes (include/uapi/linux/falloc.h). */
export const FALLOC_FLAGS = flagTable('fallocate mode', {
  FALLOC_FL_KEEP_SIZE: 0,
  FALLOC_FL_PUNCH_HOLE: 1,
  FALLOC_FL_NO_HIDE_STALE: 2,
  FALLOC_FL_COLLAPSE_RANGE: 3,
  FALLOC_FL_ZERO_RANGE: 4,
  FALLOC_FL_INSERT_RANGE: 5,
  FALLOC_FL_UNSHARE_RANGE: 6,
  FALLOC_FL_WRITE_ZEROES: 7,
});
export const FALLOC_FL_ALLOCATE_RANGE = 0;
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_NO_HIDE_STALE = 0x04;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
export const FALLOC_FL_WRITE_ZEROES = 0x80;

/** mmap(2) protections and mapping types. */
export const PROT_FLAGS = flagTable('mmap protection', { PROT_READ: 0, PROT_WRITE: 1, PROT_EXEC: 2 });
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;

/**
 * madvise(2) advice the API passes on a guest_memfd mapping: hints that change no page contents
 * (DONTNEED, REMOVE, FREE and the like would, and are not offered), and MADV_COLLAPSE.
 */
export const MADV_ADVICE = constantTable('madvise advice', {
  MADV_NORMAL: 0,
  MADV_RANDOM: 1,
  MADV_SEQUENTIAL: 2,
  MADV_WILLNEED: 3,
  MADV_HUGEPAGE: 14,
  MADV_NOHUGEPAGE: 15,
  MADV_COLLAPSE: 25,
});

/** open(2)'s read-write access mode (asm-generic/fcntl.h). */
export const O_RDWR = 2;
