/**
 * A two-way table of named numeric constants. Every uAPI table is built with it so that
 * decoding (number -> name) and encoding (name -> number) live in one place.
 */
export interface ConstantTable<N extends string> {
  /** The constants by name. */
  readonly byName: Readonly<Record<N, number>>;
  /** The name for a number, or undefined when the table has none. */
  nameOf(value: number): N | undefined;
  /** The number for a name; throws a TypeError for a name the table does not have. */
  valueOf(name: string): number;
  /** Whether the name exists in the table. */
  has(name: string): name is N;
  /** All entries in ascending numeric order. */
  entries(): ReadonlyArray<readonly [N, number]>;
}

export function constantTable<const T extends Record<string, number>>(
  title: string,
  values: T,
): ConstantTable<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>;
  const byValue = new Map<number, N>();
  for (const [name, value] of Object.entries(values) as [N, number][]) {
    // The first name wins for aliases (e.g. EAGAIN/EWOULDBLOCK), so list the canonical one first.
    if (!byValue.has(value)) byValue.set(value, name);
  }
  const sorted = (Object.entries(values) as [N, number][]).sort((a, b) => a[1] - b[1]);
  return {
    byName: Object.freeze({ ...values }) as Readonly<Record<N, number>>,
    nameOf: (value) => byValue.get(value),
    valueOf(name) {
      if (!Object.hasOwn(values, name)) throw new TypeError(`unknown ${title} name: ${JSON.stringify(name)}`);
      return values[name] as number;
    },
    has: (name): name is N => Object.hasOwn(values, name),
    entries: () => sorted,
  };
}

/**
 * A table of single-bit flags in a u64 word, decoded both ways. Bits are given as bit numbers
 * so that flags past bit 31 are expressible without losing precision.
 */
export interface FlagTable<N extends string> {
  readonly bits: Readonly<Record<N, number>>;
  /** The flag's value as a bigint (1n << bit). */
  value(name: N): bigint;
  /** Names of the set bits that the table knows, in bit order. */
  decode(flags: bigint | number): N[];
  /** Bits set in `flags` that the table has no name for. */
  unknownBits(flags: bigint | number): bigint;
  /** The OR of the named flags. */
  encode(names: Iterable<string>): bigint;
  /** "MMAP|INIT_SHARED", "0", or with unknown bits "MMAP|0x100". */
  format(flags: bigint | number): string;
  entries(): ReadonlyArray<readonly [N, number]>;
}

export function flagTable<const T extends Record<string, number>>(
  title: string,
  bits: T,
): FlagTable<Extract<keyof T, string>> {
  type N = Extract<keyof T, string>;
  const sorted = (Object.entries(bits) as [N, number][]).sort((a, b) => a[1] - b[1]);
  const known = sorted.reduce((acc, [, bit]) => acc | (1n << BigInt(bit)), 0n);
  const table: FlagTable<N> = {
    bits: Object.freeze({ ...bits }) as Readonly<Record<N, number>>,
    value: (name) => 1n << BigInt(bits[name] as number),
    decode(flags) {
      const f = BigInt(flags);
      return sorted.filter(([, bit]) => (f >> BigInt(bit)) & 1n).map(([name]) => name);
    },
    unknownBits: (flags) => BigInt(flags) & ~known,
    encode(names) {
      let out = 0n;
      for (const name of names) {
        if (!Object.hasOwn(bits, name)) throw new TypeError(`unknown ${title} flag: ${JSON.stringify(name)}`);
        out |= 1n << BigInt(bits[name] as number);
      }
      return out;
    },
    format(flags) {
      const f = BigInt(flags);
      const parts: string[] = table.decode(f);
      const rest = table.unknownBits(f);
      if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
      return parts.length === 0 ? '0' : parts.join('|');
    },
    entries: () => sorted,
  };
  return table;
}
