/**
 * The scenario format, defined once: every step kind, what it does and its fields. The JSON
 * Schema (schema/scenario.schema.json) and the step table of docs/scenarios.md are generated from
 * this table (npm run scenario-format), the loader checks names against it, and the executors
 * read fields through the types derived from it, so the three cannot drift apart.
 */

import { MADV_ADVICE } from '../uapi/flags.js';

/** What a field holds; each kind has one JSON Schema shape and one TypeScript type. */
export type FieldType =
  | { type: 'define'; doc?: string } // names the handle the step makes
  | { type: 'handle'; doc?: string } // names a handle an earlier step made
  | { type: 'u64'; doc?: string }
  | { type: 'flags'; doc?: string }
  | { type: 'bytes'; doc?: string }
  | { type: 'byte'; doc?: string }
  | { type: 'string'; doc?: string }
  | { type: 'nameOrNumber'; doc?: string; names: 'vmType' | 'cap' | 'mpolMode' }
  | { type: 'userspaceAddr'; doc?: string }
  | { type: 'guestMemfd'; doc?: string }
  | { type: 'u64List'; doc?: string; maxItems: number }
  | { type: 'enum'; doc?: string; values: readonly string[] };

/**
 * `zeroWhenOmitted`: leaving the field out means 0 to the API (flags, offsets, a DEFAULT VM, an
 * all-zero reserved list), so an explicit 0 says the same thing; the catalog's single-home check
 * (src/conformance/expectations.ts) compares them as one.
 */
export type FieldSpec = FieldType & { required?: true; zeroWhenOmitted?: true };

export interface StepKindSpec {
  /** What the step does (the schema's description, the docs table's second column). */
  doc: string;
  fields: Readonly<Record<string, FieldSpec>>;
}

const req = <F extends FieldType>(f: F) => ({ ...f, required: true as const });
const define = req({ type: 'define' });
const use = (doc?: string) => req({ type: 'handle', ...(doc ? { doc } : {}) });
const u64 = { type: 'u64' } as const;
const flags = { type: 'flags' } as const;
const zeroU64 = { type: 'u64', zeroWhenOmitted: true } as const;
const zeroFlags = { type: 'flags', zeroWhenOmitted: true } as const;
const bytes = { type: 'bytes', doc: 'hex, two digits a byte' } as const;
const privateOrShared = { type: 'enum', values: ['private', 'shared'] } as const;
const fileRange = { file: use(), offset: req(u64), len: req(u64) } as const;
const region = {
  vm: use(),
  slot: req(u64),
  flags: zeroFlags,
  guestPhysAddr: req(u64),
  memorySize: req(u64),
  userspaceAddr: { type: 'userspaceAddr', doc: 'a u64, or { "mappingOf": MAP, "plus": N }', zeroWhenOmitted: true },
} as const;
const conversion = { file: use(), offset: req(u64), size: req(u64) } as const;

/** Every step kind, in the order the docs list them. */
export const STEP_KINDS = {
  getApiVersion: { doc: 'KVM_GET_API_VERSION on /dev/kvm.', fields: {} },
  createVm: { doc: 'KVM_CREATE_VM.', fields: { as: define, type: { type: 'nameOrNumber', names: 'vmType', doc: 'a KVM_X86_* name or a number; default DEFAULT', zeroWhenOmitted: true } } },
  createGuestMemfd: { doc: 'KVM_CREATE_GUEST_MEMFD.', fields: { vm: use(), as: define, size: req(u64), flags: zeroFlags, reserved: { type: 'u64List', maxItems: 6, zeroWhenOmitted: true } } },
  memfdCreate: { doc: 'memfd_create(2): a regular file.', fields: { as: define, name: { type: 'string' } } },
  close: { doc: 'close(2) of a handle.', fields: { handle: use('a file, VM, mapping or pin') } },
  checkExtension: {
    doc: 'KVM_CHECK_EXTENSION on /dev/kvm (default) or a VM.',
    fields: { on: { type: 'handle', doc: 'a VM; default /dev/kvm' }, cap: req({ type: 'nameOrNumber', names: 'cap', doc: 'a KVM_CAP_* name or a number' }) },
  },
  setUserMemoryRegion: { doc: 'KVM_SET_USER_MEMORY_REGION.', fields: region },
  setUserMemoryRegion2: {
    doc: 'KVM_SET_USER_MEMORY_REGION2 (guestMemfd: a handle name or a raw descriptor number).',
    fields: { ...region, guestMemfdOffset: zeroU64, guestMemfd: { type: 'guestMemfd', doc: 'a handle, or a raw descriptor number' } },
  },
  setMemoryAttributes: { doc: 'KVM_SET_MEMORY_ATTRIBUTES (the VM ioctl).', fields: { vm: use(), address: req(u64), size: req(u64), attributes: req(flags), flags: zeroU64 } },
  fallocate: { doc: 'fallocate(2).', fields: { file: use(), mode: req(flags), offset: req(u64), len: req(u64) } },
  allocate: { doc: 'fallocate(KEEP_SIZE).', fields: fileRange },
  punchHole: { doc: 'fallocate(KEEP_SIZE|PUNCH_HOLE).', fields: fileRange },
  stat: { doc: 'fstat(2); expect.stat lists the fields to compare.', fields: { file: use() } },
  mmap: { doc: 'mmap(2) of a guest_memfd.', fields: { file: use(), as: define, offset: zeroU64, length: u64, prot: flags, flags } },
  unmap: { doc: 'munmap(2).', fields: { map: use() } },
  mappingLength: { doc: "A mapping's length: the requested length rounded up to whole pages.", fields: { map: use() } },
  mprotect: { doc: 'mprotect(2) of the whole mapping.', fields: { map: use(), prot: req(flags) } },
  madvise: { doc: 'madvise(2) of the whole mapping.', fields: { map: use(), advice: req({ type: 'enum', values: MADV_ADVICE.entries().map(([n]) => n) }) } },
  mbind: {
    doc: 'mbind(2) of part of a mapping (default: all of it).',
    fields: {
      map: use(),
      mode: req({ type: 'nameOrNumber', names: 'mpolMode', doc: 'an MPOL_* name or a number' }),
      modeFlags: { type: 'flags', doc: 'MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING' },
      nodes: { type: 'u64List', maxItems: 64, doc: 'node numbers; none: no mask' },
      maxnode: { type: 'u64', doc: "the mask's bits plus one; default: the longs holding the nodes, plus one" },
      flags: { type: 'flags', doc: 'MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL' },
      offset: u64,
      length: u64,
    },
  },
  getMempolicy: { doc: 'get_mempolicy(2) with MPOL_F_ADDR at a mapping offset; expect.policy is "MODE[|FLAGS] [nodes=N,...]".', fields: { map: use(), offset: req(u64) } },
  pageNode: { doc: 'get_mempolicy(2) with MPOL_F_NODE|MPOL_F_ADDR: the node of the page at a mapping offset (faulted in to look); expect.value.', fields: { map: use(), offset: req(u64) } },
  hostRead: { doc: 'Read through a host mapping.', fields: { map: use(), offset: req(u64), length: req(u64) } },
  hostWrite: { doc: 'Write through a host mapping.', fields: { map: use(), offset: req(u64), bytes: req(bytes) } },
  hostFill: { doc: 'memset through a host mapping.', fields: { map: use(), offset: req(u64), length: req(u64), byte: req({ type: 'byte' }) } },
  fileRead: { doc: 'read(2) on the file.', fields: { file: use(), length: req(u64) } },
  fileWrite: { doc: 'write(2) on the file.', fields: { file: use(), bytes: req(bytes) } },
  pread: { doc: 'pread64(2).', fields: { file: use(), length: req(u64), position: req(u64) } },
  pwrite: { doc: 'pwrite64(2).', fields: { file: use(), bytes: req(bytes), position: req(u64) } },
  lseek: { doc: 'lseek(2).', fields: { file: use(), offset: req(u64), whence: req(u64) } },
  ftruncate: { doc: 'ftruncate(2).', fields: { file: use(), length: req(u64) } },
  fsync: { doc: 'fsync(2).', fields: { file: use() } },
  fchmod: { doc: 'fchmod(2).', fields: { file: use(), mode: req(u64) } },
  setMemoryAttributes2: {
    doc: 'KVM_SET_MEMORY_ATTRIBUTES2 on a guest_memfd (in-place conversion).',
    fields: { ...conversion, attributes: req(flags), flags: zeroU64, reserved: { type: 'u64List', maxItems: 11, zeroWhenOmitted: true }, errorOffset: { type: 'u64', doc: "error_offset on entry (the kernel writes it only for EAGAIN and ENOMEM)", zeroWhenOmitted: true } },
  },
  convertToPrivate: { doc: 'Whichever conversion ioctl the backend has, to private.', fields: conversion },
  convertToShared: { doc: 'Whichever conversion ioctl the backend has, to shared.', fields: conversion },
  gmemConvert: { doc: 'KVM_GMEM_CONVERT_PRIVATE/_SHARED (RFC v2).', fields: { file: use(), to: req(privateOrShared), offset: req(u64), size: req(u64), errorOffset: u64 } },
  pin: { doc: 'A long-term pin of guest_memfd pages.', fields: { file: use(), as: define, offset: req(u64), length: req(u64) } },
  release: { doc: 'Release a pin.', fields: { pin: use() } },
  guestRead: { doc: 'A guest read of guest physical memory.', fields: { vm: use(), gpa: req(u64), length: req(u64), kind: privateOrShared } },
  guestWrite: { doc: 'A guest write (bytes, or fill + length).', fields: { vm: use(), gpa: req(u64), bytes, fill: { type: 'byte' }, length: u64, kind: privateOrShared } },
  addSeals: { doc: 'Withdraw READ and/or WRITE for good (granular-flags profile).', fields: { file: use(), flags: req(flags) } },
} as const satisfies Record<string, StepKindSpec>;

export type StepKind = keyof typeof STEP_KINDS;

/** The fields every step may have, whatever its kind. */
export const COMMON_FIELDS = {
  expect: 'what the step must produce (default "ok"); see below',
  expectBy: 'what the step must produce on the named releases instead of "expect", written once per release whose kernel answers differently: { "linux-7.3": EXPECT } (a release profile name; a kernel is judged by the release profile chosen for it)',
  note: 'why this step is here (shown in reports)',
  divergence: 'the name of a known divergence of this host (catalog/divergences.json) this step shows on the kernel',
} as const;

export const STEP_KIND_NAMES = Object.keys(STEP_KINDS) as StepKind[];

export function isStepKind(name: unknown): name is StepKind {
  return typeof name === 'string' && Object.hasOwn(STEP_KINDS, name);
}
