/**
 * Profiles: what a given kernel (released or proposed) offers, as data. The engine reads these
 * switches; a profile is never a fork of the code.
 */
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../uapi/flags.js';

const T = KVM_X86_VM_TYPES.byName;

export interface Profile {
  readonly name: string;
  /** One line for `gmem probe` and docs. */
  readonly description: string;
  /** 'released' for what a kernel ships; 'proposal' for interfaces still under review. */
  readonly status: 'released' | 'proposal';
  readonly apiVersion: number;
  /** VM types KVM_CREATE_VM accepts (KVM_CAP_VM_TYPES). */
  readonly vmTypes: readonly number[];
  /** VM types that have private memory. */
  readonly privateMemVmTypes: readonly number[];
  /** VM types whose register state is protected (no read-only memslots). */
  readonly protectedStateVmTypes: readonly number[];
  /** Flag values of KVM_CREATE_GUEST_MEMFD (values differ between proposals). */
  readonly gmemFlags: { readonly mmap: bigint; readonly initShared: bigint };
  /** Whether INIT_SHARED is offered to VMs with private memory (false in 6.18). */
  readonly initSharedWithPrivateMem: boolean;
  /** KVM_SET_MEMORY_ATTRIBUTES is built in (CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES). */
  readonly vmMemoryAttributes: boolean;
  /** Two-dimensional paging: KVM_CAP_PRE_FAULT_MEMORY answers 1. */
  readonly tdp: boolean;
  /** KVM_USER_MEM_SLOTS (and KVM_CAP_NR_MEMSLOTS). */
  readonly userMemSlots: number;
  /** KVM_MEM_SLOTS_NUM: ids at or above it are refused. */
  readonly memSlotsNum: number;
  /** Address spaces of a VM without private memory (2 with SMM); VMs with private memory have 1. */
  readonly addressSpaces: number;
  /** Guest physical address bits the MMU can map (52 with shadow paging). */
  readonly maxGpaBits: number;
  /** USER_PTR_MAX: the largest value access_ok accepts for the end of a user range; mmap places mappings below it. */
  readonly userAddressMax: bigint;
  /** KVM_MEM_MAX_NR_PAGES: the most pages one slot may have. */
  readonly maxPagesPerSlot: bigint;
}

export const LINUX_6_18: Profile = {
  name: 'linux-6.18',
  description: 'guest_memfd as released in Linux 6.18: MMAP and INIT_SHARED flags, no in-place conversion',
  status: 'released',
  apiVersion: 12,
  vmTypes: [T.KVM_X86_DEFAULT_VM, T.KVM_X86_SW_PROTECTED_VM, T.KVM_X86_SNP_VM, T.KVM_X86_TDX_VM],
  privateMemVmTypes: [T.KVM_X86_SW_PROTECTED_VM, T.KVM_X86_SNP_VM, T.KVM_X86_TDX_VM],
  protectedStateVmTypes: [T.KVM_X86_SEV_ES_VM, T.KVM_X86_SNP_VM, T.KVM_X86_TDX_VM],
  gmemFlags: { mmap: GUEST_MEMFD_FLAG_MMAP, initShared: GUEST_MEMFD_FLAG_INIT_SHARED },
  initSharedWithPrivateMem: false,
  vmMemoryAttributes: true,
  tdp: true,
  userMemSlots: 32764,
  memSlotsNum: 32767,
  addressSpaces: 2,
  maxGpaBits: 52,
  // USER_PTR_MAX is TASK_SIZE_MAX, 2^47 - 4096 with 4-level paging.
  userAddressMax: (1n << 47n) - 4096n,
  maxPagesPerSlot: (1n << 31n) - 1n,
};

const PROFILES: ReadonlyMap<string, Profile> = new Map([[LINUX_6_18.name, LINUX_6_18]]);

export const DEFAULT_PROFILE = LINUX_6_18.name;

export function profileNames(): string[] {
  return [...PROFILES.keys()];
}

/** Look a profile up by name; an unknown name is a RangeError that lists the known ones. */
export function getProfile(name: string = DEFAULT_PROFILE): Profile {
  if (typeof name !== 'string') throw new TypeError(`profile must be a string, got ${typeof name}`);
  const profile = PROFILES.get(name);
  if (!profile) throw new RangeError(`unknown profile ${JSON.stringify(name)}; known profiles: ${profileNames().join(', ')}`);
  return profile;
}

export function hasPrivateMem(profile: Profile, vmType: number): boolean {
  return profile.privateMemVmTypes.includes(vmType);
}
