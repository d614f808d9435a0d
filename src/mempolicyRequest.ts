/**
 * mbind(2) and get_mempolicy(2) arguments of the public API turned into the words the kernel
 * reads, with every type and range check done here (both backends get the same words). The mode
 * and flags are passed as numbers the kernel judges: a bad mode is the kernel's EINVAL, not ours.
 */
import type { MbindArgs, MemPolicy } from './api.js';
import { invalidArgType, invalidArgValue, options, optionalU64, u32, u64 } from './args.js';
import { mappingSpan } from './requests.js';
import type { ConstantTable } from './uapi/table.js';
import {
  GET_MEMPOLICY_MASK_BYTES,
  MPOL_MF_FLAGS,
  MPOL_MODES,
  MPOL_MODE_FLAGS,
  MPOL_MODE_FLAG_BITS,
  NODEMASK_MAX_BITS,
  decodeNodemask,
  encodeNodemask,
  nodemaskBytes,
} from './uapi/mempolicy.js';

export interface MbindWords {
  start: bigint;
  length: bigint;
  /** The mode word: mode | mode flags. */
  mode: number;
  /** The node mask the kernel reads, or null for none. */
  mask: Uint8Array | null;
  maxnode: bigint;
  flags: number;
}

/** A word given as a number (any u32) or as names of `table` OR'ed together. */
function namedBits(value: unknown, table: ConstantTable<string>, name: string): number {
  if (value === undefined) return 0;
  if (Array.isArray(value)) {
    let word = 0;
    for (const n of value) {
      if (typeof n !== 'string' || !table.has(n)) {
        throw invalidArgValue(`${name}: ${JSON.stringify(n)} is not one of ${table.entries().map(([k]) => k).join(', ')}`, 'RangeError');
      }
      word |= table.byName[n]!;
    }
    return word >>> 0;
  }
  return u32(value, name);
}

function modeWord(value: unknown): number {
  if (typeof value === 'string') {
    if (!MPOL_MODES.has(value)) throw invalidArgValue(`mode ${JSON.stringify(value)} is not one of ${MPOL_MODES.entries().map(([n]) => n).join(', ')}`, 'RangeError');
    return MPOL_MODES.byName[value];
  }
  return u32(value, 'mode');
}

function nodeList(value: unknown): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgType('nodes must be an array of node numbers');
  return value.map((n, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= NODEMASK_MAX_BITS) {
      throw invalidArgValue(`nodes[${i}] must be a node number 0..${NODEMASK_MAX_BITS - 1}`, 'RangeError');
    }
    return n;
  });
}

export function mbindWords(args: unknown, mappingLength: bigint): MbindWords {
  const a = options<MbindArgs>(args, 'mbind arguments');
  if (a.mode === undefined) throw invalidArgType('mbind arguments.mode is required');
  const mode = (modeWord(a.mode) | namedBits(a.modeFlags, MPOL_MODE_FLAG_BITS, 'modeFlags')) >>> 0;
  const nodes = nodeList(a.nodes);
  const highest = nodes.length ? Math.max(...nodes) : -1;
  // Default: the whole longs that hold the nodes, plus one (the kernel reads maxnode - 1 bits).
  const maxnode = optionalU64(a.maxnode, 'maxnode', highest < 0 ? 0n : BigInt(Math.ceil((highest + 1) / 64) * 64 + 1));
  const start = optionalU64(a.offset, 'offset', 0n);
  const length = optionalU64(a.length, 'length', start <= mappingLength ? mappingLength - start : 0n);
  const range = mappingSpan('mbind', start, length, mappingLength);
  const mask = nodes.length === 0 && a.maxnode === undefined
    ? null
    : encodeNodemask(nodes, Math.max(nodemaskBytes(maxnode), Math.ceil((highest + 1) / 64) * 8));
  return { start: range.start, length: range.length, mode, mask, maxnode, flags: namedBits(a.flags, MPOL_MF_FLAGS, 'flags') };
}

/** The offset get_mempolicy looks at: a byte inside the mapping. */
export function mempolicyOffset(offset: unknown, mappingLength: bigint): bigint {
  const start = u64(offset, 'offset');
  if (start >= mappingLength) mappingSpan('get_mempolicy', start, 1n, mappingLength);
  return start;
}

/** get_mempolicy's words as the API reports them. */
export function memPolicy(word: number, mask: Uint8Array): MemPolicy {
  const mode = word & ~MPOL_MODE_FLAGS;
  return { mode, name: MPOL_MODES.nameOf(mode), modeFlags: word & MPOL_MODE_FLAGS, nodes: decodeNodemask(mask, GET_MEMPOLICY_MASK_BYTES * 8) };
}
