/** What each scenario step does, through the public API of any backend. */
import { UnsupportedError } from '../errors.js';
import type { FdHandle, GuestMemfd, HostMapping, Kvm, Pin, Vm } from '../api.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import type { Step } from './types.js';
import { ScenarioError, flagsValue, hexBytes, rawUserspaceAddr, u64Value } from './values.js';

export interface StepContext {
  kvm: Kvm;
  /** Handles by the names steps gave them ("kvm" is /dev/kvm). */
  handles: Map<string, unknown>;
}

type Executor = (ctx: StepContext, step: Step, where: string) => unknown;

function handle<T>(ctx: StepContext, step: Step, field: string, where: string): T {
  const name = step[field];
  const h = ctx.handles.get(name as string);
  if (h === undefined) throw new ScenarioError(`${where}.${field}: handle ${JSON.stringify(name)} does not exist (the step that makes it failed)`);
  return h as T;
}

const u64 = (step: Step, field: string, where: string, fallback?: bigint): bigint =>
  step[field] === undefined && fallback !== undefined ? fallback : u64Value(step[field], `${where}.${field}`);
const flags = (step: Step, field: string, where: string, fallback = 0n): bigint =>
  step[field] === undefined ? fallback : flagsValue(step[field], `${where}.${field}`);
const small = (v: bigint, where: string): number => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ScenarioError(`${where}: ${v} is too large here`);
  return Number(v);
};

/**
 * A userspace_addr: 0, or {mappingOf: name, plus?: n} for an address inside a mapping the
 * scenario made. A scenario is data from anywhere: a raw address could point a slot, and then
 * guest accesses, at any memory of this process, so it is refused.
 */
function userspaceAddr(ctx: StepContext, step: Step, where: string): bigint | HostMapping {
  const v = step.userspaceAddr;
  if (v === undefined) return 0n;
  if (v && typeof v === 'object') {
    const ref = v as { mappingOf: string; plus?: unknown };
    const map = ctx.handles.get(ref.mappingOf) as HostMapping | undefined;
    if (!map) throw new ScenarioError(`${where}.userspaceAddr.mappingOf: handle ${JSON.stringify(ref.mappingOf)} does not exist`);
    const plus = ref.plus === undefined ? 0n : u64Value(ref.plus, `${where}.userspaceAddr.plus`);
    return plus === 0n ? map : map.address + plus;
  }
  return rawUserspaceAddr(v, `${where}.userspaceAddr`);
}

function region(ctx: StepContext, step: Step, where: string, v2: boolean) {
  const base = {
    slot: small(u64(step, 'slot', where), `${where}.slot`),
    flags: small(flags(step, 'flags', where), `${where}.flags`),
    guestPhysAddr: u64(step, 'guestPhysAddr', where),
    memorySize: u64(step, 'memorySize', where),
    userspaceAddr: userspaceAddr(ctx, step, where),
  };
  if (!v2) return base;
  const g = step.guestMemfd;
  const guestMemfd = typeof g === 'string' && !/^\d/.test(g) ? handle<FdHandle>(ctx, step, 'guestMemfd', where) : g === undefined ? undefined : small(u64Value(g, `${where}.guestMemfd`), `${where}.guestMemfd`);
  return { ...base, guestMemfdOffset: u64(step, 'guestMemfdOffset', where, 0n), ...(guestMemfd !== undefined ? { guestMemfd } : {}) };
}

/** A proposal's part of the step's file; a file without it cannot run the step (UnsupportedError). */
function part<K extends 'conversion' | 'pins' | 'seals'>(ctx: StepContext, step: Step, where: string, name: K, operation: string): NonNullable<GuestMemfd[K]> {
  const found = handle<GuestMemfd>(ctx, step, 'file', where)[name];
  if (!found) throw new UnsupportedError(ctx.kvm.backend, operation, `this file has no ${name} (a proposal this ${ctx.kvm.backend === 'model' ? 'profile' : 'kernel'} does not have)`);
  return found as NonNullable<GuestMemfd[K]>;
}

const define = (ctx: StepContext, step: Step, value: unknown): unknown => {
  ctx.handles.set(step.as as string, value);
  return value;
};

const capNumber = (v: unknown, where: string): number | bigint => (typeof v === 'string' && KVM_CAPS.has(v) ? KVM_CAPS.byName[v] : u64Value(v, where));

export const EXECUTORS: Record<string, Executor> = {
  createVm: (ctx, s, w) => define(ctx, s, ctx.kvm.createVm(typeof s.type === 'string' && KVM_X86_VM_TYPES.has(s.type) ? s.type : s.type === undefined ? 0 : u64Value(s.type, `${w}.type`))),
  createGuestMemfd: (ctx, s, w) =>
    define(ctx, s, handle<Vm>(ctx, s, 'vm', w).createGuestMemfd({
      size: u64(s, 'size', w),
      flags: flags(s, 'flags', w),
      ...(s.reserved ? { reserved: (s.reserved as unknown[]).map((r, i) => u64Value(r, `${w}.reserved[${i}]`)) } : {}),
    })),
  memfdCreate: (ctx, s) => define(ctx, s, ctx.kvm.memfdCreate((s.name as string | undefined) ?? 'scenario')),
  close: (ctx, s, w) => {
    const h = handle<{ close?: () => void; unmap?: () => void; release?: () => void }>(ctx, s, 'handle', w);
    (h.close ?? h.unmap ?? h.release)!.call(h);
  },
  checkExtension: (ctx, s, w) => (s.on ? handle<Vm>(ctx, s, 'on', w) : ctx.kvm).checkExtension(capNumber(s.cap, `${w}.cap`)),
  setUserMemoryRegion: (ctx, s, w) => handle<Vm>(ctx, s, 'vm', w).setUserMemoryRegion(region(ctx, s, w, false)),
  setUserMemoryRegion2: (ctx, s, w) => handle<Vm>(ctx, s, 'vm', w).setUserMemoryRegion2(region(ctx, s, w, true)),
  setMemoryAttributes: (ctx, s, w) =>
    handle<Vm>(ctx, s, 'vm', w).setMemoryAttributes({ address: u64(s, 'address', w), size: u64(s, 'size', w), attributes: flags(s, 'attributes', w), flags: u64(s, 'flags', w, 0n) }),
  fallocate: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).fallocate(small(flags(s, 'mode', w), `${w}.mode`), u64(s, 'offset', w), u64(s, 'len', w)),
  allocate: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).allocate(u64(s, 'offset', w), u64(s, 'len', w)),
  punchHole: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).punchHole(u64(s, 'offset', w), u64(s, 'len', w)),
  stat: (ctx, s, w) => {
    // Inode numbers differ between any two files, and between backends: they are not compared.
    const { ino: _ino, ...rest } = handle<GuestMemfd>(ctx, s, 'file', w).stat();
    return rest;
  },
  mmap: (ctx, s, w) =>
    define(ctx, s, handle<GuestMemfd>(ctx, s, 'file', w).mmap({
      ...(s.offset !== undefined ? { offset: u64(s, 'offset', w) } : {}),
      ...(s.length !== undefined ? { length: u64(s, 'length', w) } : {}),
      ...(s.prot !== undefined ? { prot: small(flags(s, 'prot', w), `${w}.prot`) } : {}),
      ...(s.flags !== undefined ? { flags: small(flags(s, 'flags', w), `${w}.flags`) } : {}),
    })),
  unmap: (ctx, s, w) => handle<HostMapping>(ctx, s, 'map', w).unmap(),
  mprotect: (ctx, s, w) => handle<HostMapping>(ctx, s, 'map', w).mprotect(small(flags(s, 'prot', w), `${w}.prot`)),
  hostRead: (ctx, s, w) => handle<HostMapping>(ctx, s, 'map', w).read(u64(s, 'offset', w), small(u64(s, 'length', w), `${w}.length`)),
  hostWrite: (ctx, s, w) => handle<HostMapping>(ctx, s, 'map', w).write(u64(s, 'offset', w), hexBytes(s.bytes, `${w}.bytes`)),
  hostFill: (ctx, s, w) => handle<HostMapping>(ctx, s, 'map', w).fill(u64(s, 'offset', w), u64(s, 'length', w), s.byte as number),
  fileRead: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).read(small(u64(s, 'length', w), `${w}.length`)),
  fileWrite: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).write(hexBytes(s.bytes, `${w}.bytes`)),
  pread: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).pread(small(u64(s, 'length', w), `${w}.length`), u64(s, 'position', w)),
  pwrite: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).pwrite(hexBytes(s.bytes, `${w}.bytes`), u64(s, 'position', w)),
  lseek: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).lseek(u64(s, 'offset', w), small(u64(s, 'whence', w), `${w}.whence`)),
  ftruncate: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).ftruncate(u64(s, 'length', w)),
  fsync: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).fsync(),
  fchmod: (ctx, s, w) => handle<GuestMemfd>(ctx, s, 'file', w).fchmod(small(u64(s, 'mode', w), `${w}.mode`)),
  setMemoryAttributes2: (ctx, s, w) =>
    part(ctx, s, w, 'conversion', 'KVM_SET_MEMORY_ATTRIBUTES2').setMemoryAttributes2({
      offset: u64(s, 'offset', w),
      size: u64(s, 'size', w),
      attributes: flags(s, 'attributes', w),
      flags: u64(s, 'flags', w, 0n),
      ...(s.reserved ? { reserved: (s.reserved as unknown[]).map((r, i) => u64Value(r, `${w}.reserved[${i}]`)) } : {}),
    }),
  convertToPrivate: (ctx, s, w) => part(ctx, s, w, 'conversion', 'convertToPrivate').toPrivate(u64(s, 'offset', w), u64(s, 'size', w)),
  convertToShared: (ctx, s, w) => part(ctx, s, w, 'conversion', 'convertToShared').toShared(u64(s, 'offset', w), u64(s, 'size', w)),
  gmemConvert: (ctx, s, w) =>
    part(ctx, s, w, 'conversion', 'KVM_GMEM_CONVERT').gmemConvert(s.to as 'private' | 'shared', { offset: u64(s, 'offset', w), size: u64(s, 'size', w), errorOffset: u64(s, 'errorOffset', w, 0n) }),
  addSeals: (ctx, s, w) => part(ctx, s, w, 'seals', 'addSeals').addSeals(flags(s, 'flags', w)),
  pin: (ctx, s, w) => define(ctx, s, part(ctx, s, w, 'pins', 'pin').pin(u64(s, 'offset', w), u64(s, 'length', w))),
  release: (ctx, s, w) => handle<Pin>(ctx, s, 'pin', w).release(),
  guestRead: (ctx, s, w) =>
    handle<Vm>(ctx, s, 'vm', w).guest.read(u64(s, 'gpa', w), small(u64(s, 'length', w), `${w}.length`), s.kind ? { kind: s.kind as 'private' | 'shared' } : {}),
  guestWrite: (ctx, s, w) => {
    const data = s.bytes !== undefined ? hexBytes(s.bytes, `${w}.bytes`) : new Uint8Array(small(u64(s, 'length', w), `${w}.length`)).fill((s.fill as number | undefined) ?? 0);
    return handle<Vm>(ctx, s, 'vm', w).guest.write(u64(s, 'gpa', w), data, s.kind ? { kind: s.kind as 'private' | 'shared' } : {});
  },
};
