/** Reading scenario values: u64s written as numbers or strings, and flags written by name. */
import { unreachableUserRange } from '../handles/unreachable.js';
import { FALLOC_FLAGS, GUEST_MEMFD_FLAGS, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MEMORY_ATTRIBUTES, MEMSLOT_FLAGS, PROT_FLAGS } from '../uapi/flags.js';
import type { FlagTable } from '../uapi/table.js';
import { MPOL_MF_FLAGS, MPOL_MODE_FLAG_BITS } from '../uapi/mempolicy.js';
import { getProfile, profileNames } from '../model/profile.js';
import { U64_MAX } from '../uapi/memory.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';

/**
 * A scenario that cannot be run as written: its message names the step and field. No stack: it
 * would show only this library's internals, and capturing one (~10 us) cost more than the rest
 * of a step that names a handle never made, which the fuzzer meets at every other operation.
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** Every name a flags field may use, with its value (names are unique across the uAPI). */
const NAMED: ReadonlyMap<string, bigint> = (() => {
  const m = new Map<string, bigint>();
  const tables: FlagTable<string>[] = [GUEST_MEMFD_FLAGS, MEMSLOT_FLAGS, FALLOC_FLAGS, PROT_FLAGS, MEMORY_ATTRIBUTES];
  for (const t of tables) for (const [name, bit] of t.entries()) m.set(name, 1n << BigInt(bit));
  // Proposed flags, as the profiles define them (a name means one value in every profile).
  for (const name of profileNames()) for (const [flag, value] of Object.entries(getProfile(name).gmemFlags.names)) m.set(flag, value);
  // The mmap types, which are values rather than bits.
  m.set('MAP_SHARED', BigInt(MAP_SHARED));
  m.set('MAP_PRIVATE', BigInt(MAP_PRIVATE));
  m.set('MAP_SHARED_VALIDATE', BigInt(MAP_SHARED_VALIDATE));
  m.set('PROT_NONE', 0n);
  // Memory policy mode flags and mbind flags (values, as their tables hold them).
  for (const t of [MPOL_MODE_FLAG_BITS, MPOL_MF_FLAGS]) for (const [name, value] of t.entries()) m.set(name, BigInt(value));
  return m;
})();

/** Every flag name a scenario may use. */
export function flagNames(): ReadonlySet<string> {
  return FLAG_NAMES;
}
const FLAG_NAMES: ReadonlySet<string> = new Set(NAMED.keys());

/** A u64 field: a JSON integer, "123", "0x7b", "2^63", "2^63-4096", "2^64-1". */
export function u64Value(value: unknown, where: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new ScenarioError(`${where}: ${value} is not a u64 (write large values as strings)`);
    return BigInt(value);
  }
  if (typeof value === 'string') {
    const pow = /^2\^(\d{1,2})(?:([+-])(\d+))?$/.exec(value);
    let v: bigint;
    if (pow) {
      v = 1n << BigInt(pow[1]!);
      if (pow[3]) v = pow[2] === '+' ? v + BigInt(pow[3]) : v - BigInt(pow[3]);
    } else if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) v = BigInt(value);
    else throw new ScenarioError(`${where}: ${JSON.stringify(value)} is not a u64`);
    if (v < 0n || v > U64_MAX) throw new ScenarioError(`${where}: ${value} is outside 0..2^64-1`);
    return v;
  }
  throw new ScenarioError(`${where}: expected a u64, got ${JSON.stringify(value)}`);
}

/** A flags field: a u64, or names OR-ed together. */
export function flagsValue(value: unknown, where: string): bigint {
  if (Array.isArray(value)) {
    return value.reduce<bigint>((acc, name, i) => {
      const v = typeof name === 'string' ? NAMED.get(name) : undefined;
      if (v === undefined) throw new ScenarioError(`${where}[${i}]: unknown flag name ${JSON.stringify(name)}`);
      return acc | v;
    }, 0n);
  }
  return u64Value(value, where);
}

export function hexBytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value)) throw new ScenarioError(`${where}: expected hex bytes`);
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

/** A short readable form of a matrix value, for check ids. */
export function formatMatrixValue(value: unknown): string {
  // A userspace address given as a mapping: named by the mapping.
  if (value && typeof value === 'object' && 'mappingOf' in value) return String((value as { mappingOf: unknown }).mappingOf);
  if (Array.isArray(value)) return value.length === 0 ? '0' : value.map((v) => String(v).replace(/^GUEST_MEMFD_FLAG_|^KVM_X86_|^KVM_MEM_/, '')).join('|');
  return String(value).replace(/^KVM_X86_/, '');
}

/**
 * A scenario's userspaceAddr given as a value: 0, or a range no mapping of this process can ever
 * occupy (below vm.mmap_min_addr, at or past TASK_SIZE_MAX: how the kernel's own address checks
 * are tried). Anything else could point a slot, and then guest accesses, at this process's memory.
 */
export function rawUserspaceAddr(value: unknown, memorySize: unknown, where: string): bigint {
  const address = u64Value(value, where);
  if (address === 0n) return 0n;
  let size: bigint;
  try {
    size = memorySize === undefined ? 0n : u64Value(memorySize, 'memorySize');
  } catch {
    size = 0n; // the size's own error is reported where it is read
  }
  if (unreachableUserRange(address, size)) return address;
  throw new ScenarioError(
    `${where}: a scenario's userspaceAddr is 0, {"mappingOf": name, "plus": n}, or a range no mapping can ever occupy ` +
      '(below vm.mmap_min_addr, or at or past TASK_SIZE_MAX); a raw address elsewhere could reach any memory of this process',
  );
}

/** A VM type field (a KVM_X86_* name or a number; omitted is DEFAULT) as its number. */
export function vmTypeValue(value: unknown, where = 'type'): number {
  if (value === undefined) return 0;
  if (typeof value === 'string' && KVM_X86_VM_TYPES.has(value)) return KVM_X86_VM_TYPES.byName[value as keyof typeof KVM_X86_VM_TYPES.byName];
  return Number(u64Value(value, where));
}
