/**
 * The public API's argument objects turned into the words the kernel reads, with every type and
 * range check done here: both backends call these, so they accept and refuse exactly the same
 * input, before anything reaches the model or the kernel.
 */
import type { AccessKind, GuestAccessOptions, CreateGuestMemfdArgs, FdHandle, GmemConvertArgs, MemoryAttributes2Args, MemoryAttributesArgs, MmapOptions, UserMemoryRegion2 } from './api.js';
import { bufferLength, invalidArgType, invalidArgValue, options, optionalU32, optionalU64, outOfRange, requireKeys, u32, u64 } from './args.js';
import { KvmError } from './errors.js';
import { MADV_ADVICE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, PROT_EXEC, PROT_FLAGS, PROT_READ, PROT_WRITE } from './uapi/flags.js';
import { U64_MAX } from './uapi/memory.js';

export type MemoryRegionIoctl = 'KVM_SET_USER_MEMORY_REGION' | 'KVM_SET_USER_MEMORY_REGION2';

/** kvm_userspace_memory_region2 as the kernel reads it (the v1 ioctl leaves the v2 fields zero). */
export interface MemoryRegionWords {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
  guestMemfdOffset: bigint;
  guestMemfd: number;
}

export interface CreateGuestMemfdWords {
  size: bigint;
  flags: bigint;
  reserved: bigint[];
}

export interface MemoryAttributesWords {
  address: bigint;
  size: bigint;
  attributes: bigint;
  flags: bigint;
}

export interface MmapRequest {
  offset: bigint;
  length: bigint;
  prot: number;
  flags: number;
}

/** The PROT_* bits this API accepts. */
export const VALID_PROT = PROT_READ | PROT_WRITE | PROT_EXEC;
/** The mapping types this API accepts (no MAP_FIXED and friends: the backend picks the address). */
export const VALID_MAP_TYPES: readonly number[] = [MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE];

/** A descriptor number no process has open (fget fails with EBADF): what a closed handle stands for. */
export const CLOSED_FD = 0xffff_ffff;

export function createGuestMemfdWords(args: unknown): CreateGuestMemfdWords {
  const a = options<CreateGuestMemfdArgs>(args, 'args');
  requireKeys(a, ['size'], 'args');
  const size = u64(a.size, 'size');
  const flags = optionalU64(a.flags, 'flags', 0n);
  return { size, flags, reserved: reservedWords(a.reserved, 6) };
}

/** How the handle layer turns handles inside a memslot request into numbers. */
export interface RegionHandles {
  /** The guestMemfd field given as a handle: its descriptor number. */
  descriptorOf(handle: FdHandle): number;
  /** The userspaceAddr field given as a HostMapping handle: its address. */
  addressOf(handle: object): bigint;
}

/** The memslot struct, with the handles it names turned into numbers by `handles`. */
export function memoryRegionWords(ioctl: MemoryRegionIoctl, region: unknown, handles: RegionHandles): MemoryRegionWords {
  const r = options<UserMemoryRegion2>(region, 'region');
  requireKeys(r, ['slot', 'guestPhysAddr', 'memorySize'], 'region');
  if (ioctl === 'KVM_SET_USER_MEMORY_REGION' && (r.guestMemfd !== undefined || r.guestMemfdOffset !== undefined)) {
    throw invalidArgValue('guestMemfd and guestMemfdOffset exist only in KVM_SET_USER_MEMORY_REGION2');
  }
  let guestMemfd = 0;
  const g = r.guestMemfd as unknown;
  if (typeof g === 'number' || typeof g === 'bigint') guestMemfd = u32(g, 'guestMemfd');
  else if (g !== undefined) {
    if (g === null || typeof g !== 'object') throw invalidArgType('guestMemfd must be a handle or a descriptor number');
    guestMemfd = handles.descriptorOf(g as FdHandle);
  }
  const a = r.userspaceAddr as unknown;
  const userspaceAddr = a !== null && typeof a === 'object' && !Array.isArray(a) ? handles.addressOf(a) : optionalU64(a, 'userspaceAddr', 0n);
  return {
    slot: u32(r.slot, 'slot'),
    flags: optionalU32(r.flags, 'flags', 0),
    guestPhysAddr: u64(r.guestPhysAddr, 'guestPhysAddr'),
    memorySize: u64(r.memorySize, 'memorySize'),
    userspaceAddr,
    guestMemfdOffset: optionalU64(r.guestMemfdOffset, 'guestMemfdOffset', 0n),
    guestMemfd,
  };
}

export function memoryAttributesWords(args: unknown): MemoryAttributesWords {
  const a = options<MemoryAttributesArgs>(args, 'args');
  requireKeys(a, ['address', 'size', 'attributes'], 'args');
  return {
    address: u64(a.address, 'address'),
    size: u64(a.size, 'size'),
    attributes: u64(a.attributes, 'attributes'),
    flags: optionalU64(a.flags, 'flags', 0n),
  };
}

/** PROT_* bits: only READ, WRITE and EXEC are accepted by this API. */
/** madvise advice: a MADV_* name or its number, one of the advice the API offers (MADV_ADVICE). */
export function adviceWord(value: unknown): number {
  if (typeof value === 'string') {
    if (!MADV_ADVICE.has(value)) throw invalidArgValue(`advice ${JSON.stringify(value)} is not one of ${MADV_ADVICE.entries().map(([n]) => n).join(', ')}`, 'RangeError');
    return MADV_ADVICE.byName[value];
  }
  const advice = u32(value, 'advice');
  if (MADV_ADVICE.nameOf(advice) === undefined) throw invalidArgValue(`advice ${advice} is not one of ${MADV_ADVICE.entries().map(([n, v]) => `${n} (${v})`).join(', ')}`, 'RangeError');
  return advice;
}

export function protWord(value: unknown): number {
  const prot = u32(value, 'prot');
  if (prot & ~VALID_PROT) throw invalidArgValue(`prot 0x${prot.toString(16)} has bits other than PROT_READ|PROT_WRITE|PROT_EXEC`, 'RangeError');
  return prot;
}

export function mmapRequest(opts: unknown, fileSize: bigint): MmapRequest {
  const o = options<MmapOptions>(opts, 'options');
  const offset = optionalU64(o.offset, 'offset', 0n);
  const length = optionalU64(o.length, 'length', fileSize);
  const prot = o.prot === undefined ? PROT_READ | PROT_WRITE : protWord(o.prot);
  const flags = optionalU32(o.flags, 'flags', MAP_SHARED);
  if (!VALID_MAP_TYPES.includes(flags)) {
    throw invalidArgValue(`flags must be MAP_SHARED, MAP_PRIVATE or MAP_SHARED_VALIDATE, got 0x${flags.toString(16)}`, 'RangeError');
  }
  return { offset, length, prot, flags };
}

/** A span [start, start + length) inside a host mapping, checked against the mapping's length. */
export interface MappingSpan {
  start: bigint;
  length: bigint;
}

/** [start, start + length) must lie within the mapping: a RangeError otherwise. */
export function mappingSpan(operation: string, start: bigint, length: bigint, mappingLength: bigint): MappingSpan {
  if (start > mappingLength || length > mappingLength - start) {
    throw outOfRange(`${operation} of ${length} bytes at offset 0x${start.toString(16)} is outside the mapping (length 0x${mappingLength.toString(16)})`);
  }
  return { start, length };
}

export function mappingReadSpan(offset: unknown, length: unknown, mappingLength: bigint): MappingSpan {
  return mappingSpan('read', u64(offset, 'offset'), BigInt(bufferLength(length, 'length')), mappingLength);
}

/** The span a buffer covers: written from (write) or read into (readInto). */
export function mappingBufferSpan(operation: string, offset: unknown, buffer: Uint8Array, mappingLength: bigint): MappingSpan {
  return mappingSpan(operation, u64(offset, 'offset'), BigInt(buffer.byteLength), mappingLength);
}

export function mappingFillSpan(offset: unknown, length: unknown, mappingLength: bigint): MappingSpan {
  return mappingSpan('fill', u64(offset, 'offset'), u64(length, 'length'), mappingLength);
}

export interface MemoryAttributes2Words {
  offset: bigint;
  size: bigint;
  attributes: bigint;
  flags: bigint;
  reserved: bigint[];
  /** error_offset on entry: the kernel reads nothing from it. */
  errorOffset: bigint;
}

function reservedWords(value: unknown, count: number): bigint[] {
  const words: bigint[] = new Array<bigint>(count).fill(0n);
  if (value === undefined) return words;
  if (!Array.isArray(value) || value.length > count) throw invalidArgType(`reserved must be an array of at most ${count} u64 words`);
  value.forEach((w, i) => (words[i] = u64(w, `reserved[${i}]`)));
  return words;
}

export function memoryAttributes2Words(args: unknown): MemoryAttributes2Words {
  const a = options<MemoryAttributes2Args>(args, 'args');
  requireKeys(a, ['offset', 'size', 'attributes'], 'args');
  return {
    offset: u64(a.offset, 'offset'),
    size: u64(a.size, 'size'),
    attributes: u64(a.attributes, 'attributes'),
    flags: optionalU64(a.flags, 'flags', 0n),
    reserved: reservedWords(a.reserved, 11),
    errorOffset: optionalU64(a.errorOffset, 'errorOffset', 0n),
  };
}

export interface GmemConvertWords {
  offset: bigint;
  size: bigint;
  errorOffset: bigint;
  reserved: bigint[];
}

export function gmemConvertWords(args: unknown): GmemConvertWords {
  const a = options<GmemConvertArgs>(args, 'args');
  requireKeys(a, ['offset', 'size'], 'args');
  return {
    offset: u64(a.offset, 'offset'),
    size: u64(a.size, 'size'),
    errorOffset: optionalU64(a.errorOffset, 'errorOffset', 0n),
    reserved: reservedWords(a.reserved, 5),
  };
}

export function accessKind(value: unknown): AccessKind {
  if (value !== 'private' && value !== 'shared') throw invalidArgValue(`the conversion target must be 'private' or 'shared', got ${String(value)}`);
  return value;
}

/**
 * Whether a mapping's protection lets an access through, as x86 page tables decide it: writing
 * needs PROT_WRITE; reading needs any access at all (there is no write-only page on x86). Zero
 * bytes touch nothing and always pass.
 */
export function protAllows(prot: number, direction: 'read' | 'write', length: number | bigint): boolean {
  if (length === 0 || length === 0n) return true;
  return direction === 'write' ? (prot & PROT_WRITE) !== 0 : (prot & (PROT_READ | PROT_WRITE)) !== 0;
}

/** The fault a forbidden access would take: refused as 'SIGSEGV' before any byte is touched. */
export function protectionFault(operation: string, prot: number, start: bigint): KvmError {
  return new KvmError('SIGSEGV', { syscall: 'access', operation: `host ${operation}`, reason: `the mapping is ${PROT_FLAGS.format(prot)}`, mappingOffset: start });
}

export interface GuestAccessRequest {
  gpa: bigint;
  length: number;
  kind: AccessKind | undefined;
}

/**
 * A guest access: the address, the length, and the kind of access if the caller chose one. A
 * VM without private memory makes only shared accesses, so asking it for a private one is a
 * RangeError.
 */
export function guestAccessRequest(gpa: unknown, length: number, opts: unknown, hasPrivateMem: boolean): GuestAccessRequest {
  const start = u64(gpa, 'gpa');
  const o = options<GuestAccessOptions>(opts, 'options');
  let kind: AccessKind | undefined;
  if (o.kind !== undefined) {
    if (o.kind !== 'private' && o.kind !== 'shared') throw invalidArgValue(`kind must be 'private' or 'shared', got ${String(o.kind)}`);
    if (o.kind === 'private' && !hasPrivateMem) throw invalidArgValue('a VM without private memory cannot make private accesses', 'RangeError');
    kind = o.kind;
  }
  if (start + BigInt(length) > U64_MAX + 1n) throw outOfRange('the access runs past the end of the guest physical address space');
  return { gpa: start, length, kind };
}

export function guestReadRequest(gpa: unknown, length: unknown, opts: unknown, hasPrivateMem: boolean): GuestAccessRequest {
  return guestAccessRequest(gpa, bufferLength(length, 'length'), opts, hasPrivateMem);
}
