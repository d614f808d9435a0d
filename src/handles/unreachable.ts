/**
 * User address ranges that can never hold memory of this process, so a memslot over them can
 * reach nothing even if a kernel wrongly accepted it. Such raw addresses are allowed without
 * unsafeRawAddresses (and in scenarios): they are how the kernel's own userspace_addr checks
 * (alignment, TASK_SIZE_MAX, wrap-around) are tried safely.
 */
import { readFileSync } from 'node:fs';
import { TASK_SIZE_MAX, U64_MAX } from '../uapi/memory.js';

// mmap() never places a mapping at or above TASK_SIZE_MAX (4-level) unless asked with a hint
// above 47 bits, which this library never gives, so that holds with 5-level paging too.

/** vm.mmap_min_addr: nothing can be mapped below it (0 when it cannot be read: assume nothing). */
function readMmapMinAddr(): bigint {
  try {
    return BigInt(readFileSync('/proc/sys/vm/mmap_min_addr', 'utf8').trim());
  } catch {
    return 0n;
  }
}

let mmapMinAddr: bigint | undefined;

/** Whether [start, start + length) lies wholly where no mapping of this process can ever be. */
export function unreachableUserRange(start: bigint, length: bigint): boolean {
  if (start >= TASK_SIZE_MAX) return true; // includes ranges that wrap past 2^64
  const end = start + length;
  if (end > U64_MAX) return false;
  mmapMinAddr ??= readMmapMinAddr();
  return end <= mmapMinAddr;
}
