/** Page geometry of x86-64 with 4 KiB pages. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_SIZE_N = BigInt(PAGE_SIZE);
export const PAGE_SHIFT_N = BigInt(PAGE_SHIFT);
/** The largest loff_t (and so the largest file size of the guest_memfd pseudo file system). */
export const LOFF_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const U32_MAX = 0xffff_ffff;

/** Round up to a whole page, as a u64 (so 2^64 - 1 wraps to 0, as the kernel's PAGE_ALIGN does). */
export const pageRoundUp = (value: bigint): bigint => (value + PAGE_SIZE_N - 1n) & ~(PAGE_SIZE_N - 1n) & U64_MAX;
/** Is value a multiple of 2^log2 (a huge page's size, say)? */
export const isAlignedTo = (value: bigint, log2: number): boolean => (value & ((1n << BigInt(log2)) - 1n)) === 0n;
const PAGE_MASK_N = PAGE_SIZE_N - 1n;
/** The same test as isAlignedTo(value, PAGE_SHIFT), with the mask made once: it is on every call's path. */
export const isPageAligned = (value: bigint): boolean => (value & PAGE_MASK_N) === 0n;
const MAX_SAFE_N = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * The 4 KiB page holding a byte offset (offsets here stay below 2^64, pages below 2^52). Below
 * 2^53 the offset is exact as a number, and so is its division by the page size: the same page
 * as the shift, without the BigInt shift V8 makes a call of (it is on every fallocate's path).
 */
export const pageOf = (byteOffset: bigint): number =>
  byteOffset <= MAX_SAFE_N ? Math.floor(Number(byteOffset) / PAGE_SIZE) : Number(byteOffset >> PAGE_SHIFT_N);
/** The byte offset where a 4 KiB page starts. */
export const pageOffset = (page: number): bigint => BigInt(page) << PAGE_SHIFT_N;
/** A u64 read as the kernel's signed 64-bit loff_t. */
export const asLoff = (value: bigint): bigint => BigInt.asIntN(64, value);

/**
 * x86-64 TASK_SIZE_MAX: the end of the user address space, the top of the lower half minus the
 * guard page: 2^47 - 4096 with 4-level paging, 2^56 - 4096 with 5-level (la57).
 */
export const taskSizeMax = (la57: boolean): bigint => (1n << (la57 ? 56n : 47n)) - 4096n;

/** TASK_SIZE_MAX with 4-level paging. */
export const TASK_SIZE_MAX = taskSizeMax(false);
