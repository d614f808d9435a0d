/**
 * Loading the native addon. It is optional: when it was not built (see build/native-status.json,
 * written by scripts/build-native.mjs) the kernel backend is unavailable and says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { GuestMemfdStat } from '../api.js';

/** The addon's functions: each returns its result or a negative errno. */
export interface NativeAddon {
  open(path: string, flags: number): number;
  close(fd: number): number;
  ioctlValue(fd: number, request: number, arg: bigint | number): number;
  /** The hot path for int32 arguments (request as a possibly negative int32). */
  ioctlInt(fd: number, request: number, arg: number): number;
  ioctlBuffer(fd: number, request: number, struct: Uint8Array): number;
  memfdCreate(name: string): number;
  mmap(length: bigint, prot: number, flags: number, fd: number, offset: bigint): bigint | number;
  munmap(address: bigint, length: bigint): number;
  mprotect(address: bigint, length: bigint, prot: number): number;
  /** madvise of exactly one whole mapping the addon made, with one of the advice values MADV_ADVICE lists. */
  madvise(address: bigint, length: bigint, advice: number): number;
  /** mbind(2) inside one mapping the addon made; the mask must hold what the kernel reads for maxnode. */
  mbind(address: bigint, length: bigint, mode: number, mask: Uint8Array | null, maxnode: bigint, flags: number): number;
  /** get_mempolicy(2) with MPOL_F_ADDR (optionally | MPOL_F_NODE) at an address inside one mapping the addon made. */
  getMempolicy(address: bigint, flags: number): { mode: number; mask: Uint8Array } | number;
  fallocate(fd: number, mode: number, offset: bigint, len: bigint): number;
  /** A fresh object with exactly the fields the API returns (one shape, declared in api.ts). */
  fstat(fd: number): GuestMemfdStat | number;
  read(fd: number, length: bigint | number): Uint8Array | number;
  pread(fd: number, length: bigint | number, position: bigint): Uint8Array | number;
  write(fd: number, data: Uint8Array): number;
  pwrite(fd: number, data: Uint8Array, position: bigint): number;
  lseek(fd: number, offset: bigint, whence: number): bigint | number;
  ftruncate(fd: number, length: bigint): number;
  fsync(fd: number): number;
  fchmod(fd: number, mode: number): number;
  /** Bytes copied before a SIGBUS (all of them when none). */
  guardedRead(address: bigint, dest: Uint8Array): number;
  guardedWrite(address: bigint, src: Uint8Array): number;
  guardedFill(address: bigint, length: bigint, byte: number): number;
  /** KVM_RUN bounded by a timer: 0, 1 when the timeout stopped it, or -errno. */
  runVcpu(fd: number, runAddress: bigint, timeoutMs: number): number;
  /** KVM_GET_SUPPORTED_CPUID on /dev/kvm: a kvm_cpuid2 (header and its entries), or -errno. */
  supportedCpuid(kvmFd: number): Uint8Array | number;
  /** KVM_SET_CPUID2 on the vCPU with a kvm_cpuid2 as supportedCpuid returns it (the kernel only reads it). */
  setCpuid(vcpuFd: number, cpuid: Uint8Array): number;
  /** Close-on-exec for a descriptor KVM made without it (guest_memfd). */
  setCloexec(fd: number): number;
  /** What a function returns when it cannot use its arguments (no errno has this value). */
  badArguments: number;
  /** The uAPI structs as the C compiler lays them out: size and field offsets. */
  structLayouts: Record<string, { size: number; fields: Record<string, number> }>;
  /** The numbers the C++ side uses on its own (see native/ioctls.h), pinned by test/kernel/native. */
  constants: NativeConstants;
  /** The only requests ioctlBuffer passes on, by name: each with a struct of the size it encodes. */
  bufferIoctls: Record<string, number>;
  /** The only requests ioctlValue and ioctlInt pass on, by name. */
  valueIoctls: Record<string, number>;
}

export interface NativeConstants {
  KVM_RUN: number;
  KVM_GET_SUPPORTED_CPUID: number;
  KVM_SET_CPUID2: number;
  immediateExitOffset: number;
  badArguments: number;
  /** The real-time signal the KVM_RUN timer sends (SIGRTMAX - 1). */
  kickSignal: number;
  SIGRTMIN: number;
  SIGRTMAX: number;
  SIGEV_THREAD_ID: number;
  /** The madvise advice the addon passes on (the rest is refused as bad arguments). */
  madviseAdvice: number[];
  MPOL_F_NODE: number;
  MPOL_F_ADDR: number;
  /** The node mask getMempolicy returns, in bytes. */
  policyMaskBytes: number;
  /** The most node mask bits mbind's kernel side reads (a page's worth). */
  nodemaskMaxBits: number;
  pageSize: number;
}


export type NativeLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

const ADDON = new URL('../../../build/gmem_native.node', import.meta.url);
const STATUS = new URL('../../../build/native-status.json', import.meta.url);

let cached: NativeLoad | undefined;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = fileURLToPath(ADDON);
  if (!existsSync(path)) {
    let reason = 'the native addon was not built (run `npm install`, or `node scripts/build-native.mjs`)';
    try {
      const status = JSON.parse(readFileSync(fileURLToPath(STATUS), 'utf8')) as { ok: boolean; reason: string };
      if (!status.ok) reason = `the native addon could not be built: ${status.reason}`;
    } catch {
      // No status file: the build script never ran.
    }
    return (cached = { ok: false, reason });
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return (cached = { ok: true, addon });
  } catch (err) {
    return (cached = { ok: false, reason: `the native addon failed to load: ${(err as Error).message}` });
  }
}
