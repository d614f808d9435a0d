/** What each scenario step does, through the public API of any backend. */
import { UnsupportedError } from '../errors.js';
import type { FdHandle, GuestMemfd, HostMapping, Kvm, Pin, Vm, VmTypeInput } from '../api.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { MPOL_MODES } from '../uapi/mempolicy.js';
import type { StepKind } from './format.js';
import type { Flags, StepOf, U64 } from './types.js';
import type { Step } from './types.js';
import { ScenarioError, flagsValue, hexBytes, rawUserspaceAddr, u64Value } from './values.js';

export interface StepContext {
  kvm: Kvm;
  /** Handles by the names steps gave them ("kvm" is /dev/kvm). */
  handles: Map<string, unknown>;
}

/** An executor reads its step's fields through the types format.ts gives them. */
type Executor<K extends StepKind> = (ctx: StepContext, step: StepOf<K>, where: string) => unknown;

function handle<T>(ctx: StepContext, name: string, where: string): T {
  const h = ctx.handles.get(name);
  if (h === undefined) throw new ScenarioError(`${where}: handle ${JSON.stringify(name)} does not exist (the step that makes it failed)`);
  return h as T;
}

const u64 = (v: U64 | undefined, where: string, fallback?: bigint): bigint => (v === undefined && fallback !== undefined ? fallback : u64Value(v, where));
const flags = (v: Flags | undefined, where: string, fallback = 0n): bigint => (v === undefined ? fallback : flagsValue(v, where));
const small = (v: bigint, where: string): number => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ScenarioError(`${where}: ${v} is too large here`);
  return Number(v);
};
const list = (v: U64[] | undefined, where: string) => (v ? { reserved: v.map((r, i) => u64Value(r, `${where}.reserved[${i}]`)) } : {});

/**
 * A userspace_addr: 0, or {mappingOf: name, plus?: n} for an address inside a mapping the
 * scenario made. A scenario is data from anywhere: a raw address could point a slot, and then
 * guest accesses, at any memory of this process, so it is refused. `plus` must stay inside the
 * mapping: past its end lies whatever the process placed there, another mapping of the scenario's
 * in the model's process (where they sit side by side) and often something else in a real one
 * (the JS heap, a kvm_run), so the same scenario would be accepted on one backend and refused on
 * the other.
 */
function userspaceAddr(ctx: StepContext, v: StepOf<'setUserMemoryRegion'>['userspaceAddr'], memorySize: U64, where: string): bigint | HostMapping {
  if (v === undefined) return 0n;
  if (typeof v === 'object') {
    const map = ctx.handles.get(v.mappingOf) as HostMapping | undefined;
    if (!map) throw new ScenarioError(`${where}.userspaceAddr.mappingOf: handle ${JSON.stringify(v.mappingOf)} does not exist`);
    const plus = v.plus === undefined ? 0n : u64Value(v.plus, `${where}.userspaceAddr.plus`);
    if (plus >= map.length) {
      throw new ScenarioError(`${where}.userspaceAddr.plus: ${plus} is not inside mapping ${JSON.stringify(v.mappingOf)} (${map.length} bytes): what lies past a mapping depends on the process`);
    }
    return plus === 0n ? map : map.address + plus;
  }
  return rawUserspaceAddr(v, memorySize, `${where}.userspaceAddr`);
}

function region(ctx: StepContext, s: Omit<StepOf<'setUserMemoryRegion'>, 'do'>, w: string) {
  return {
    slot: small(u64(s.slot, `${w}.slot`), `${w}.slot`),
    flags: small(flags(s.flags, `${w}.flags`), `${w}.flags`),
    guestPhysAddr: u64(s.guestPhysAddr, `${w}.guestPhysAddr`),
    memorySize: u64(s.memorySize, `${w}.memorySize`),
    userspaceAddr: userspaceAddr(ctx, s.userspaceAddr, s.memorySize, w),
  };
}

function region2(ctx: StepContext, s: StepOf<'setUserMemoryRegion2'>, w: string) {
  const g = s.guestMemfd;
  const guestMemfd = typeof g === 'string' && !/^\d/.test(g) ? handle<FdHandle>(ctx, g, `${w}.guestMemfd`) : g === undefined ? undefined : small(u64Value(g, `${w}.guestMemfd`), `${w}.guestMemfd`);
  return { ...region(ctx, s, w), guestMemfdOffset: u64(s.guestMemfdOffset, `${w}.guestMemfdOffset`, 0n), ...(guestMemfd !== undefined ? { guestMemfd } : {}) };
}

/** A proposal's part of the step's file; a file without it cannot run the step (UnsupportedError). */
function part<K extends 'conversion' | 'pins' | 'seals'>(ctx: StepContext, s: { file: string }, where: string, name: K, operation: string): NonNullable<GuestMemfd[K]> {
  const found = file(ctx, s, where)[name];
  if (!found) throw new UnsupportedError(ctx.kvm.backend, operation, `this file has no ${name} (a proposal this ${ctx.kvm.backend === 'model' ? 'profile' : 'kernel'} does not have)`);
  return found as NonNullable<GuestMemfd[K]>;
}

const define = (ctx: StepContext, name: string, value: unknown): unknown => {
  ctx.handles.set(name, value);
  return value;
};

const capNumber = (v: string | number, where: string): number | bigint => (typeof v === 'string' && KVM_CAPS.has(v) ? KVM_CAPS.byName[v] : u64Value(v, where));
const vmType = (v: string | number | undefined, where: string): VmTypeInput => (typeof v === 'string' && KVM_X86_VM_TYPES.has(v) ? v : v === undefined ? 0n : u64Value(v, where));

const file = (ctx: StepContext, s: { file: string }, w: string) => handle<GuestMemfd>(ctx, s.file, `${w}.file`);
const vm = (ctx: StepContext, s: { vm: string }, w: string) => handle<Vm>(ctx, s.vm, `${w}.vm`);
const map = (ctx: StepContext, s: { map: string }, w: string) => handle<HostMapping>(ctx, s.map, `${w}.map`);
const guestKind = (kind: 'private' | 'shared' | undefined) => (kind ? { kind } : {});

export const EXECUTORS: { [K in StepKind]: Executor<K> } = {
  getApiVersion: (ctx) => ctx.kvm.getApiVersion(),
  createVm: (ctx, s, w) => define(ctx, s.as, ctx.kvm.createVm(vmType(s.type, `${w}.type`))),
  createGuestMemfd: (ctx, s, w) => define(ctx, s.as, vm(ctx, s, w).createGuestMemfd({ size: u64(s.size, `${w}.size`), flags: flags(s.flags, `${w}.flags`), ...list(s.reserved, w) })),
  memfdCreate: (ctx, s) => define(ctx, s.as, ctx.kvm.memfdCreate(s.name ?? 'scenario')),
  close: (ctx, s, w) => {
    const h = handle<{ close?: () => void; unmap?: () => void; release?: () => void }>(ctx, s.handle, `${w}.handle`);
    (h.close ?? h.unmap ?? h.release)!.call(h);
  },
  checkExtension: (ctx, s, w) => (s.on ? handle<Vm>(ctx, s.on, `${w}.on`) : ctx.kvm).checkExtension(capNumber(s.cap, `${w}.cap`)),
  setUserMemoryRegion: (ctx, s, w) => vm(ctx, s, w).setUserMemoryRegion(region(ctx, s, w)),
  setUserMemoryRegion2: (ctx, s, w) => vm(ctx, s, w).setUserMemoryRegion2(region2(ctx, s, w)),
  setMemoryAttributes: (ctx, s, w) =>
    vm(ctx, s, w).setMemoryAttributes({ address: u64(s.address, `${w}.address`), size: u64(s.size, `${w}.size`), attributes: flags(s.attributes, `${w}.attributes`), flags: u64(s.flags, `${w}.flags`, 0n) }),
  fallocate: (ctx, s, w) => file(ctx, s, w).fallocate(small(flags(s.mode, `${w}.mode`), `${w}.mode`), u64(s.offset, `${w}.offset`), u64(s.len, `${w}.len`)),
  allocate: (ctx, s, w) => file(ctx, s, w).allocate(u64(s.offset, `${w}.offset`), u64(s.len, `${w}.len`)),
  punchHole: (ctx, s, w) => file(ctx, s, w).punchHole(u64(s.offset, `${w}.offset`), u64(s.len, `${w}.len`)),
  stat: (ctx, s, w) => {
    // Inode numbers differ between any two files, and between backends: they are not compared.
    const { ino: _ino, ...rest } = file(ctx, s, w).stat();
    return rest;
  },
  mmap: (ctx, s, w) =>
    define(ctx, s.as, file(ctx, s, w).mmap({
      ...(s.offset !== undefined ? { offset: u64(s.offset, `${w}.offset`) } : {}),
      ...(s.length !== undefined ? { length: u64(s.length, `${w}.length`) } : {}),
      ...(s.prot !== undefined ? { prot: small(flags(s.prot, `${w}.prot`), `${w}.prot`) } : {}),
      ...(s.flags !== undefined ? { flags: small(flags(s.flags, `${w}.flags`), `${w}.flags`) } : {}),
    })),
  unmap: (ctx, s, w) => map(ctx, s, w).unmap(),
  mappingLength: (ctx, s, w) => map(ctx, s, w).length,
  mprotect: (ctx, s, w) => map(ctx, s, w).mprotect(small(flags(s.prot, `${w}.prot`), `${w}.prot`)),
  madvise: (ctx, s, w) => map(ctx, s, w).madvise(s.advice),
  mbind: (ctx, s, w) =>
    map(ctx, s, w).mbind({
      mode: typeof s.mode === 'string' && MPOL_MODES.has(s.mode) ? s.mode : small(u64Value(s.mode, `${w}.mode`), `${w}.mode`),
      modeFlags: small(flags(s.modeFlags, `${w}.modeFlags`), `${w}.modeFlags`),
      flags: small(flags(s.flags, `${w}.flags`), `${w}.flags`),
      ...(s.nodes ? { nodes: s.nodes.map((n, i) => small(u64Value(n, `${w}.nodes[${i}]`), `${w}.nodes[${i}]`)) } : {}),
      ...(s.maxnode !== undefined ? { maxnode: u64(s.maxnode, `${w}.maxnode`) } : {}),
      ...(s.offset !== undefined ? { offset: u64(s.offset, `${w}.offset`) } : {}),
      ...(s.length !== undefined ? { length: u64(s.length, `${w}.length`) } : {}),
    }),
  getMempolicy: (ctx, s, w) => map(ctx, s, w).getMempolicy(u64(s.offset, `${w}.offset`)),
  pageNode: (ctx, s, w) => map(ctx, s, w).pageNode(u64(s.offset, `${w}.offset`)),
  hostRead: (ctx, s, w) => map(ctx, s, w).read(u64(s.offset, `${w}.offset`), small(u64(s.length, `${w}.length`), `${w}.length`)),
  hostWrite: (ctx, s, w) => map(ctx, s, w).write(u64(s.offset, `${w}.offset`), hexBytes(s.bytes, `${w}.bytes`)),
  hostFill: (ctx, s, w) => map(ctx, s, w).fill(u64(s.offset, `${w}.offset`), u64(s.length, `${w}.length`), s.byte),
  fileRead: (ctx, s, w) => file(ctx, s, w).read(small(u64(s.length, `${w}.length`), `${w}.length`)),
  fileWrite: (ctx, s, w) => file(ctx, s, w).write(hexBytes(s.bytes, `${w}.bytes`)),
  pread: (ctx, s, w) => file(ctx, s, w).pread(small(u64(s.length, `${w}.length`), `${w}.length`), u64(s.position, `${w}.position`)),
  pwrite: (ctx, s, w) => file(ctx, s, w).pwrite(hexBytes(s.bytes, `${w}.bytes`), u64(s.position, `${w}.position`)),
  lseek: (ctx, s, w) => file(ctx, s, w).lseek(u64(s.offset, `${w}.offset`), small(u64(s.whence, `${w}.whence`), `${w}.whence`)),
  ftruncate: (ctx, s, w) => file(ctx, s, w).ftruncate(u64(s.length, `${w}.length`)),
  fsync: (ctx, s, w) => file(ctx, s, w).fsync(),
  fchmod: (ctx, s, w) => file(ctx, s, w).fchmod(small(u64(s.mode, `${w}.mode`), `${w}.mode`)),
  setMemoryAttributes2: (ctx, s, w) =>
    part(ctx, s, w, 'conversion', 'KVM_SET_MEMORY_ATTRIBUTES2').setMemoryAttributes2({
      offset: u64(s.offset, `${w}.offset`),
      size: u64(s.size, `${w}.size`),
      attributes: flags(s.attributes, `${w}.attributes`),
      flags: u64(s.flags, `${w}.flags`, 0n),
      ...list(s.reserved, w),
      errorOffset: u64(s.errorOffset, `${w}.errorOffset`, 0n),
    }),
  convertToPrivate: (ctx, s, w) => part(ctx, s, w, 'conversion', 'convertToPrivate').toPrivate(u64(s.offset, `${w}.offset`), u64(s.size, `${w}.size`)),
  convertToShared: (ctx, s, w) => part(ctx, s, w, 'conversion', 'convertToShared').toShared(u64(s.offset, `${w}.offset`), u64(s.size, `${w}.size`)),
  gmemConvert: (ctx, s, w) =>
    part(ctx, s, w, 'conversion', 'KVM_GMEM_CONVERT').gmemConvert(s.to, { offset: u64(s.offset, `${w}.offset`), size: u64(s.size, `${w}.size`), errorOffset: u64(s.errorOffset, `${w}.errorOffset`, 0n) }),
  addSeals: (ctx, s, w) => part(ctx, s, w, 'seals', 'addSeals').addSeals(flags(s.flags, `${w}.flags`)),
  pin: (ctx, s, w) => define(ctx, s.as, part(ctx, s, w, 'pins', 'pin').pin(u64(s.offset, `${w}.offset`), u64(s.length, `${w}.length`))),
  release: (ctx, s, w) => handle<Pin>(ctx, s.pin, `${w}.pin`).release(),
  guestRead: (ctx, s, w) => vm(ctx, s, w).guest.read(u64(s.gpa, `${w}.gpa`), small(u64(s.length, `${w}.length`), `${w}.length`), guestKind(s.kind)),
  guestWrite: (ctx, s, w) => {
    const data = s.bytes !== undefined ? hexBytes(s.bytes, `${w}.bytes`) : new Uint8Array(small(u64(s.length, `${w}.length`), `${w}.length`)).fill(s.fill ?? 0);
    return vm(ctx, s, w).guest.write(u64(s.gpa, `${w}.gpa`), data, guestKind(s.kind));
  },
};

/** Run one step: the only place a step of any kind meets the executor of its kind. */
export function execute(ctx: StepContext, step: Step, where: string): unknown {
  const exec = EXECUTORS[step.do] as Executor<StepKind> | undefined;
  if (!exec) throw new ScenarioError(`${where}: unknown step ${JSON.stringify(step.do)}`);
  return exec(ctx, step as StepOf<StepKind>, where);
}
