/**
 * NUMA memory policy uAPI (linux/mempolicy.h): the modes and flags mbind(2) and get_mempolicy(2)
 * take, and the node mask as the kernel reads it (an array of unsigned longs, `maxnode` bits).
 */
import { constantTable } from './table.js';

/** Policy modes (enum mempolicy_mode); MPOL_MAX is one past the last. */
export const MPOL_MODES = constantTable('mempolicy mode', {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
});
export const MPOL_MAX = 7;

/** Mode flags, OR'ed into the mode word of mbind/set_mempolicy and reported back by get_mempolicy. */
export const MPOL_MODE_FLAG_BITS = constantTable('mempolicy mode flag', {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
});
export const { MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING } = MPOL_MODE_FLAG_BITS.byName;
export const MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;

/** mbind(2) flags. MPOL_MF_VALID is what the kernel accepts; LAZY is named in the header but refused. */
export const MPOL_MF_FLAGS = constantTable('mbind flag', {
  MPOL_MF_STRICT: 1 << 0,
  MPOL_MF_MOVE: 1 << 1,
  MPOL_MF_MOVE_ALL: 1 << 2,
  MPOL_MF_LAZY: 1 << 3,
});
export const { MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL } = MPOL_MF_FLAGS.byName;
export const MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;

/** get_mempolicy(2) flags. */
export const MPOL_F_NODE = 1 << 0;
export const MPOL_F_ADDR = 1 << 1;

/** get_nodes refuses a mask of more than PAGE_SIZE * 8 bits (maxnode - 1 above it is EINVAL). */
export const NODEMASK_MAX_BITS = 4096 * 8;

/**
 * The node mask buffer an mbind call hands the kernel for `maxnode`: get_nodes reads the
 * longs that hold maxnode - 1 bits (none when maxnode - 1 is 0 or above NODEMASK_MAX_BITS, which
 * it refuses before reading). At least one long, so the pointer is never to nothing.
 */
export function nodemaskBytes(maxnode: bigint): number {
  const bits = maxnode === 0n ? 0n : maxnode - 1n;
  const used = bits > BigInt(NODEMASK_MAX_BITS) ? 0 : Number(bits);
  return Math.max(1, Math.ceil(used / 64)) * 8;
}

/** Node numbers as a little-endian array of 64-bit longs of `byteLength` bytes. */
export function encodeNodemask(nodes: readonly number[], byteLength: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  for (const node of nodes) out[node >> 3]! |= 1 << (node & 7);
  return out;
}

/** The node numbers set in a mask, ascending, considering its first `bits` bits. */
export function decodeNodemask(mask: Uint8Array, bits: number = mask.length * 8): number[] {
  const nodes: number[] = [];
  const limit = Math.min(bits, mask.length * 8);
  for (let byte = 0; byte * 8 < limit; byte++) {
    const v = mask[byte]!;
    if (v === 0) continue;
    for (let bit = 0; bit < 8 && byte * 8 + bit < limit; bit++) if (v & (1 << bit)) nodes.push(byte * 8 + bit);
  }
  return nodes;
}

/**
 * get_mempolicy's maxnode as this library passes it: 1024 bits (the largest MAX_NUMNODES an x86
 * build can have, NODES_SHIFT 10) plus one, so `maxnode < nr_node_ids` never refuses it.
 */
export const GET_MEMPOLICY_MAXNODE = 1025;
export const GET_MEMPOLICY_MASK_BYTES = 128;
