/**
 * Profiles: what a given kernel (released or proposed) offers, as data. The engine reads these
 * switches; a profile is never a fork of the code.
 */
import { invalidArgType, invalidArgValue } from '../args.js';
import { KVM_X86_VM_TYPES, VM_TYPES_WITH_PRIVATE_MEMORY } from '../uapi/vmTypes.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../uapi/flags.js';
import { flagTable, type FlagTable } from '../uapi/table.js';
import { PROPOSED_CAPS } from '../uapi/proposals.js';
import { LINUX_6_12_DEBIAN_RULES, LINUX_6_18_RULES, rulesAfter618, type ReleaseRules } from './releases.js';

const T = KVM_X86_VM_TYPES.byName;

/** The KVM_CREATE_GUEST_MEMFD flags of a profile, by role (values differ between proposals). */
export interface GmemFlagSet {
  /** The file can be mapped and hold shared memory: MMAP (6.18, v8) or SUPPORT_SHARED (RFC v2). */
  readonly mmap: bigint;
  /** Pages start shared (INIT_SHARED); 0n when the profile has no such flag. */
  readonly initShared: bigint;
  /** Pages start private (RFC v2's INIT_PRIVATE, only together with `mmap`); 0n when absent. */
  readonly initPrivate: bigint;
  /** Huge pages (the 1G page series); 0n when absent. */
  readonly hugetlb?: bigint;
  /** Pages leave the kernel's direct map (its series); 0n when absent. */
  readonly noDirectMap?: bigint;
  /** write()/pwrite() populate shared memory (proposed); 0n when absent. */
  readonly write?: bigint;
  /** read()/pread() read shared memory (the granular-flags idea); 0n when absent. */
  readonly read?: bigint;
  /** Every flag of the profile by name, for display and decoding. */
  readonly names: Readonly<Record<string, bigint>>;
}

/** How a profile converts memory between shared and private in place (in the guest_memfd). */
export interface InPlaceConversion {
  /**
   * 'attributes2': KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd (the v8 series);
   * 'convert': KVM_GMEM_CONVERT_SHARED / _PRIVATE (RFC v2 of 1G page support).
   */
  readonly ioctl: 'attributes2' | 'convert';
  /** KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES's number (it moved between revisions); null if the series has none. */
  readonly capability: number | null;
}

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
  /** Flags of KVM_CREATE_GUEST_MEMFD. */
  readonly gmemFlags: GmemFlagSet;
  /** Whether INIT_SHARED is offered to VMs with private memory (false in 6.18). */
  readonly initSharedWithPrivateMem: boolean;
  /** Pages of a mappable file start shared unless INIT_PRIVATE (RFC v2); else they start private unless INIT_SHARED. */
  readonly defaultShared: boolean;
  /** In-place conversion, or null when the shared/private state lives in the VM (6.18). */
  readonly inPlace: InPlaceConversion | null;
  /** VM types whose conversions keep page contents (SW_PROTECTED); others zero a converted page. */
  readonly conversionKeepsContents: readonly number[];
  /**
   * Huge pages: the log2 page size is a field of the create flags (bits `shift`..`shift`+5, like
   * hugetlb's encoding), enumerated with the flags; null when the profile has no huge pages.
   */
  readonly hugePages?: { readonly shift: number; readonly sizesLog2: readonly number[]; readonly defaultLog2: number } | null;
  /** KVM_CAP_GUEST_MEMFD_FLAGS_HI's number (flags 63:32 shifted down); null when there is none. */
  readonly flagsHiCapability?: number | null;
  /** READ and WRITE can be withdrawn for good (addSeals), the granular-flags idea. */
  readonly seals?: boolean;
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
  /**
   * RAM plus swap: the heuristic overcommit check refuses a private writable mapping larger than
   * this (ENOMEM). Machine configuration, not a rule: profileLike reads the host's.
   */
  readonly commitLimitBytes: bigint;
  /** KVM_CAP_MAX_VCPU_ID: vCPU ids are below it (x86: four ids per possible vCPU). */
  readonly maxVcpuId: number;
  /** KVM_MEM_MAX_NR_PAGES: the most pages one slot may have. */
  readonly maxPagesPerSlot: bigint;
  /** The rules that differ between released kernels (releases.ts); proposals keep their base's. */
  readonly release: ReleaseRules;
}

export const LINUX_6_18: Profile = {
  name: 'linux-6.18',
  description: 'guest_memfd as released in Linux 6.18: MMAP and INIT_SHARED flags, no in-place conversion',
  status: 'released',
  apiVersion: 12,
  vmTypes: [T.KVM_X86_DEFAULT_VM, T.KVM_X86_SW_PROTECTED_VM, T.KVM_X86_SNP_VM, T.KVM_X86_TDX_VM],
  privateMemVmTypes: [...VM_TYPES_WITH_PRIVATE_MEMORY],
  protectedStateVmTypes: [T.KVM_X86_SEV_ES_VM, T.KVM_X86_SNP_VM, T.KVM_X86_TDX_VM],
  gmemFlags: {
    mmap: GUEST_MEMFD_FLAG_MMAP,
    initShared: GUEST_MEMFD_FLAG_INIT_SHARED,
    initPrivate: 0n,
    names: { GUEST_MEMFD_FLAG_MMAP, GUEST_MEMFD_FLAG_INIT_SHARED },
  },
  initSharedWithPrivateMem: false,
  defaultShared: false,
  inPlace: null,
  conversionKeepsContents: [T.KVM_X86_DEFAULT_VM, T.KVM_X86_SW_PROTECTED_VM],
  vmMemoryAttributes: true,
  tdp: true,
  userMemSlots: 32764,
  memSlotsNum: 32767,
  addressSpaces: 2,
  maxGpaBits: 52,
  // USER_PTR_MAX is TASK_SIZE_MAX, 2^47 - 4096 with 4-level paging.
  userAddressMax: (1n << 47n) - 4096n,
  maxPagesPerSlot: (1n << 31n) - 1n,
  maxVcpuId: 4096,
  commitLimitBytes: 16n << 30n,
  release: LINUX_6_18_RULES,
};

/** Linux 7.3, the latest stable release: 6.18 with the changes releases.ts lists after it. */
export const LINUX_7_3: Profile = {
  ...LINUX_6_18,
  name: 'linux-7.3',
  description: 'guest_memfd as released in Linux 7.3: 6.18 with EEXIST for overlapping bindings, the bind offset check without wrap, NUMA policy',
  release: rulesAfter618('linux-7.3', '7.3'),
};

/**
 * Linux 6.12 (LTS) as Debian builds it: no guest_memfd at all (releases.ts says what upstream
 * 6.12 offers in builds that have it), and so no SW_PROTECTED, SNP or TDX VM.
 */
export const LINUX_6_12: Profile = {
  ...LINUX_6_18,
  name: 'linux-6.12',
  description: "Linux 6.12 as Debian builds it: no guest_memfd (KVM_CAP_GUEST_MEMFD 0, KVM_CREATE_GUEST_MEMFD ENOTTY)",
  // What KVM_CAP_VM_TYPES answered under gmem vm: no SW_PROTECTED (not built), SNP and TDX need guest_memfd.
  vmTypes: [T.KVM_X86_DEFAULT_VM],
  // No MMAP/INIT_SHARED flag and no KVM_CAP_GUEST_MEMFD_FLAGS before 6.18, even where guest_memfd is built.
  gmemFlags: { mmap: 0n, initShared: 0n, initPrivate: 0n, names: {} },
  release: LINUX_6_12_DEBIAN_RULES,
};

/**
 * The in-place conversion series (v8, June 2026, in linux-next since autumn 2026): the
 * shared/private state lives in the guest_memfd, per page, and KVM_SET_MEMORY_ATTRIBUTES2 on the
 * file converts it. VMs with private memory get INIT_SHARED; the VM-wide ioctl can no longer set
 * PRIVATE.
 */
export const INPLACE: Profile = {
  ...LINUX_6_18,
  name: 'inplace',
  description: 'in-place shared/private conversion (v8 series): KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd',
  status: 'proposal',
  initSharedWithPrivateMem: true,
  inPlace: { ioctl: 'attributes2', capability: 250 },
};

/**
 * RFC v2 of "1G page support" (May 2025): conversion by KVM_GMEM_CONVERT_SHARED / _PRIVATE on
 * the guest_memfd, pages shared by default, INIT_PRIVATE to start private. Huge pages themselves
 * (HUGETLB) are not modelled by this profile.
 */
export const RFC_1G_V2: Profile = {
  ...LINUX_6_18,
  name: 'rfc-1g-v2',
  description: 'RFC v2 of 1G page support: KVM_GMEM_CONVERT_SHARED/_PRIVATE, shared by default, INIT_PRIVATE',
  status: 'proposal',
  gmemFlags: {
    mmap: 1n << 0n,
    initShared: 0n,
    initPrivate: 1n << 1n,
    names: { GUEST_MEMFD_FLAG_SUPPORT_SHARED: 1n << 0n, GUEST_MEMFD_FLAG_INIT_PRIVATE: 1n << 1n },
  },
  initSharedWithPrivateMem: true,
  defaultShared: true,
  inPlace: { ioctl: 'convert', capability: null },
};

/**
 * Huge pages on top of in-place conversion (the "1G page support" series, as the model reads
 * it): HUGETLB is bit 2 (contested with NO_DIRECT_MAP), the log2 page size (21 or 30) is a field in
 * bits 61:56 of the flags, enumerated through KVM_CAP_GUEST_MEMFD_FLAGS_HI (bit 31 of a capability
 * answer cannot be used: the answer would read as an error, so the field stops at bit 61).
 */
export const HUGETLB: Profile = {
  ...INPLACE,
  name: 'hugetlb',
  description: 'huge pages (1G page support series): HUGETLB, a page-size field in flags 61:56, split on conversion, merged when private',
  status: 'proposal',
  gmemFlags: {
    ...INPLACE.gmemFlags,
    hugetlb: 1n << 2n,
    names: { ...INPLACE.gmemFlags.names, GUEST_MEMFD_FLAG_HUGETLB: 1n << 2n },
  },
  hugePages: { shift: 56, sizesLog2: [21, 30], defaultLog2: 21 },
  flagsHiCapability: 251,
};

/** GUEST_MEMFD_FLAG_NO_DIRECT_MAP (bit 2 in its series): the pages leave the kernel's direct map. */
export const NO_DIRECT_MAP: Profile = {
  ...LINUX_6_18,
  name: 'no-direct-map',
  description: 'GUEST_MEMFD_FLAG_NO_DIRECT_MAP (bit 2 in its series, the same bit HUGETLB wants)',
  status: 'proposal',
  gmemFlags: { ...LINUX_6_18.gmemFlags, noDirectMap: 1n << 2n, names: { ...LINUX_6_18.gmemFlags.names, GUEST_MEMFD_FLAG_NO_DIRECT_MAP: 1n << 2n } },
};

/**
 * The granular-flags idea from the mmap discussion (seed 001), never adopted upstream: READ and
 * WRITE as opt-ins beside MMAP (write() populates shared memory; WRITE is also proposed on its
 * own), both withdrawable for good once the guest is populated.
 */
export const GRANULAR: Profile = {
  ...LINUX_6_18,
  name: 'granular',
  description: 'granular MMAP/READ/WRITE opt-ins with READ and WRITE withdrawable (a proposal that was not adopted)',
  status: 'proposal',
  gmemFlags: {
    ...LINUX_6_18.gmemFlags,
    write: 1n << 3n,
    read: 1n << 4n,
    names: { ...LINUX_6_18.gmemFlags.names, GUEST_MEMFD_FLAG_WRITE: 1n << 3n, GUEST_MEMFD_FLAG_READ: 1n << 4n },
  },
  seals: true,
};

const PROFILES: ReadonlyMap<string, Profile> = new Map([LINUX_6_18, LINUX_7_3, LINUX_6_12, INPLACE, RFC_1G_V2, HUGETLB, NO_DIRECT_MAP, GRANULAR].map((p) => [p.name, p]));

export const DEFAULT_PROFILE = LINUX_6_18.name;

export function profileNames(): string[] {
  return [...PROFILES.keys()];
}

/** Look a profile up by name; an unknown name is a RangeError that lists the known ones. */
export function getProfile(name: string = DEFAULT_PROFILE): Profile {
  if (typeof name !== 'string') throw invalidArgType(`profile must be a string, got ${typeof name}`);
  const profile = PROFILES.get(name);
  if (!profile) throw invalidArgValue(`unknown profile ${JSON.stringify(name)}; known profiles: ${profileNames().join(', ')}`, 'RangeError');
  return profile;
}

export function hasPrivateMem(profile: Profile, vmType: number): boolean {
  return profile.privateMemVmTypes.includes(vmType);
}

/** The profile's guest_memfd flags as a decoding table. */
export function gmemFlagTable(profile: Profile): FlagTable<string> {
  const bits: Record<string, number> = {};
  for (const [name, value] of Object.entries(profile.gmemFlags.names)) bits[name] = value.toString(2).length - 1;
  return flagTable(`${profile.name} guest_memfd`, bits);
}

/**
 * The capability that advertises in-place conversion: the profile's number, or (for the kernel,
 * which has no profile) the latest revision's.
 */
export function inPlaceCapability(profile?: Profile): number {
  return profile?.inPlace?.capability ?? PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest;
}
