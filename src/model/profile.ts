/**
 * Profiles: what a given kernel (released or proposed) offers, as data. The engine reads these
 * switches; a profile is never a fork of the code.
 */
import { invalidArgType, invalidArgValue } from '../args.js';
import { KVM_X86_VM_TYPES, VM_TYPES_WITH_PRIVATE_MEMORY } from '../uapi/vmTypes.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../uapi/flags.js';
import { flagTable, type FlagTable } from '../uapi/table.js';
import { TASK_SIZE_MAX } from '../uapi/memory.js';
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
  /**
   * Whether the kernel is built with transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE). Without
   * them madvise does not know MADV_HUGEPAGE, MADV_NOHUGEPAGE or MADV_COLLAPSE (EINVAL). Machine
   * configuration, not a rule: profileLike reads the host's.
   */
  readonly transparentHugepages: boolean;
  /**
   * NUMA nodes with memory this task may use (N_MEMORY within cpuset's mems_allowed): machine
   * configuration, read from the host by profileLike. A policy's nodes are limited to these.
   */
  readonly memoryNodes: readonly number[];
  /** MAX_NUMNODES (1 << CONFIG_NODES_SHIFT): Debian's x86 builds have 1024; mbind refuses mask bits at or above it. */
  readonly maxNumNodes: number;
  /** KVM_CAP_MAX_VCPU_ID: vCPU ids are below it (x86: four ids per possible vCPU). */
  readonly maxVcpuId: number;
  /** KVM_MEM_MAX_NR_PAGES: the most pages one slot may have. */
  readonly maxPagesPerSlot: bigint;
  /**
   * kvm.gmem_in_place_conversion as /sys/module/kvm/parameters shows it (the in-place series'
   * switch); undefined for kernels without the series, which have no such parameter.
   */
  readonly gmemInPlaceConversion?: boolean;
  /** Where each feature of the profile comes from: the kernel change or posting (docs/profiles.md). */
  readonly sources: ProfileSources;
  /** The rules that differ between released kernels (releases.ts); proposals keep their base's. */
  readonly release: ReleaseRules;
}

/** The features docs/profiles.md compares, one row each. */
export const PROFILE_FEATURES = {
  flags: 'KVM_CREATE_GUEST_MEMFD flags',
  initShared: 'INIT_SHARED for VMs with private memory',
  vmAttributes: 'VM-wide KVM_SET_MEMORY_ATTRIBUTES',
  conversion: 'in-place conversion ioctl',
  parameter: 'kvm.gmem_in_place_conversion',
  hugePages: 'huge pages',
  flagsHi: 'flags above bit 31',
  readWrite: 'read()/write() on the file',
  seals: 'withdrawing READ/WRITE',
} as const;
export type ProfileFeature = keyof typeof PROFILE_FEATURES;
/** A source for every feature a profile has; a feature it lacks needs none. */
export type ProfileSources = Readonly<Partial<Record<ProfileFeature, string>>>;

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
  userAddressMax: TASK_SIZE_MAX,
  maxPagesPerSlot: (1n << 31n) - 1n,
  maxVcpuId: 4096,
  commitLimitBytes: 16n << 30n,
  // Debian's kernels have them, as most distributions' do.
  transparentHugepages: true,
  memoryNodes: [0],
  maxNumNodes: 1024,
  sources: {
    flags: 'Linux 6.18: MMAP (6.18) and INIT_SHARED (6.18), enumerated by KVM_CAP_GUEST_MEMFD_FLAGS',
    initShared: 'Linux 6.18: kvm_gmem_get_supported_flags offers INIT_SHARED only to VMs without private memory',
    vmAttributes: 'Linux 6.8: KVM_SET_MEMORY_ATTRIBUTES (CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES)',
    conversion: 'Linux 6.8: PRIVATE is a VM attribute, set with KVM_SET_MEMORY_ATTRIBUTES',
  },
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
  // Its config has no KVM_GENERIC_MEMORY_ATTRIBUTES (nothing selects it without guest_memfd):
  // KVM_CAP_MEMORY_ATTRIBUTES answered 0 at system scope under gmem vm.
  vmMemoryAttributes: false,
  sources: {
    flags: 'Linux 6.18 added MMAP, INIT_SHARED and KVM_CAP_GUEST_MEMFD_FLAGS; 6.12 has none (the capability answers 0, seen on 6.12.117+deb13)',
    vmAttributes: "Debian's 6.12 config has no KVM_GENERIC_MEMORY_ATTRIBUTES: KVM_CAP_MEMORY_ATTRIBUTES 0, seen on 6.12.117+deb13",
  },
  release: LINUX_6_12_DEBIAN_RULES,
};

/**
 * The in-place conversion series as linux-next has it (v13, September 2026; docs/kernel-behaviour.md#in-place-conversion).
 * Its build option CONFIG_KVM_VM_MEMORY_ATTRIBUTES and its read-only module parameter
 * kvm.gmem_in_place_conversion (default: the opposite of the option) allow three kernels, one
 * profile each. v8 (June 2026) already had the same option and parameter (a v8 kernel's default
 * build answered ENOTTY for the VM ioctl when run here) and left error_offset untouched after
 * EINVAL, so no rule of v8 differs from v13 where a user can see it: `inplace` is a name for the
 * default build, not a profile of its own.
 */
const INPLACE_SOURCE = 'in-place conversion series v13 (linux-next since next-20260923)';

/** The default build (option N): in-place on, and no VM-wide KVM_SET_MEMORY_ATTRIBUTES at all. */
export const INPLACE_V13: Profile = {
  ...LINUX_6_18,
  name: 'inplace-v13',
  description: 'in-place conversion v13, default build: KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd, no VM-wide attributes ioctl (ENOTTY)',
  status: 'proposal',
  initSharedWithPrivateMem: true,
  inPlace: { ioctl: 'attributes2', capability: PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest },
  vmMemoryAttributes: false,
  gmemInPlaceConversion: true,
  sources: {
    ...LINUX_6_18.sources,
    conversion: `${INPLACE_SOURCE}: KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd`,
    initShared: `${INPLACE_SOURCE}: INIT_SHARED offered to VMs with private memory`,
    vmAttributes: `${INPLACE_SOURCE}: CONFIG_KVM_VM_MEMORY_ATTRIBUTES=n (the default) compiles the VM ioctl out`,
    parameter: `${INPLACE_SOURCE}: kvm.gmem_in_place_conversion defaults to Y without the option`,
  },
};

/** CONFIG_KVM_VM_MEMORY_ATTRIBUTES=y with the parameter on: the VM ioctl exists but refuses PRIVATE. */
export const INPLACE_V13_VMATTRS: Profile = {
  ...INPLACE_V13,
  name: 'inplace-v13-vmattrs',
  description: 'in-place conversion v13 built with CONFIG_KVM_VM_MEMORY_ATTRIBUTES=y and kvm.gmem_in_place_conversion=Y: the VM ioctl refuses PRIVATE (EINVAL)',
  vmMemoryAttributes: true,
  sources: {
    ...INPLACE_V13.sources,
    vmAttributes: `${INPLACE_SOURCE}: with the option the VM ioctl stays, but cannot set PRIVATE while the parameter is on`,
    parameter: `${INPLACE_SOURCE}: kvm.gmem_in_place_conversion=Y given on the command line`,
  },
};

/** CONFIG_KVM_VM_MEMORY_ATTRIBUTES=y with the parameter off (its default then): the per-VM way of 6.18. */
export const INPLACE_V13_LEGACY: Profile = {
  ...LINUX_6_18,
  name: 'inplace-v13-legacy',
  description: 'in-place conversion v13 built with CONFIG_KVM_VM_MEMORY_ATTRIBUTES=y, kvm.gmem_in_place_conversion=N: PRIVATE per VM as in 6.18, the guest_memfd ioctl answers ENOTTY',
  status: 'proposal',
  gmemInPlaceConversion: false,
  sources: {
    ...LINUX_6_18.sources,
    conversion: `${INPLACE_SOURCE}: the parameter off keeps PRIVATE in the VM; KVM_SET_MEMORY_ATTRIBUTES2 answers ENOTTY`,
    parameter: `${INPLACE_SOURCE}: kvm.gmem_in_place_conversion defaults to N with the option`,
  },
};

/** Names kept for what they meant before v13 was modelled (scripts and the README use them). */
const PROFILE_ALIASES: Readonly<Record<string, string>> = { inplace: INPLACE_V13.name };

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
  sources: {
    ...LINUX_6_18.sources,
    flags: 'RFC v2 of 1G page support (May 2025): SUPPORT_SHARED 1<<0, INIT_PRIVATE 1<<1',
    conversion: 'RFC v2 of 1G page support (May 2025): KVM_GMEM_CONVERT_SHARED/_PRIVATE, _IOWR(0xAF, 0x41/0x42)',
    initShared: 'RFC v2 of 1G page support (May 2025): files start shared; no INIT_SHARED flag',
    vmAttributes: 'RFC v2 of 1G page support (May 2025): the file holds PRIVATE; the VM ioctl cannot set it',
  },
};

/**
 * The seeds' hypothetical KVM_CAP_GUEST_MEMFD_FLAGS_HI (flags 63:32, shifted down): no posting has
 * it. Its number is far past anything upstream has given out (245-249 went to arm64 and s390
 * capabilities, 250 to v8 of in-place conversion and in 7.3 to KVM_CAP_PPC_COMPAT_CAPS, 251 to
 * KVM_CAP_ARM_PMU_V3_STRICT), so it can never answer for another capability.
 */
export const HYPOTHETICAL_FLAGS_HI_CAPABILITY = 1000;

/**
 * Huge pages on top of in-place conversion, encoded as RFC v2 of "1G page support" (May 2025)
 * posted it: HUGETLB is bit 2 (contested with NO_DIRECT_MAP) and the log2 page size is a 6-bit
 * field in flags bits 63:58, 0 meaning the default huge page size (2 MiB on x86). The RFC had
 * its own capability for HUGETLB; the model enumerates the field through the hypothetical
 * FLAGS_HI (bit 63 cannot be enumerated: a capability answer with bit 31 set reads as an error;
 * the sizes offered need only bits 62:58).
 */
export const HUGETLB: Profile = {
  ...INPLACE_V13_VMATTRS,
  name: 'hugetlb',
  description: "huge pages as RFC v2 of 1G page support encodes them: HUGETLB (1<<2), log2 page size in flags 63:58 (0: default), over in-place v13; split on conversion, merged when private",
  status: 'proposal',
  gmemFlags: {
    ...INPLACE_V13_VMATTRS.gmemFlags,
    hugetlb: 1n << 2n,
    names: { ...INPLACE_V13_VMATTRS.gmemFlags.names, GUEST_MEMFD_FLAG_HUGETLB: 1n << 2n },
  },
  hugePages: { shift: 58, sizesLog2: [21, 30], defaultLog2: 21 },
  flagsHiCapability: HYPOTHETICAL_FLAGS_HI_CAPABILITY,
  sources: {
    ...INPLACE_V13_VMATTRS.sources,
    flags: 'RFC v2 of 1G page support (May 2025): HUGETLB 1<<2, over the released MMAP and INIT_SHARED',
    hugePages: 'RFC v2 of 1G page support (May 2025): log2 page size in flags bits 63:58, 0 = default huge page size',
    flagsHi: "the seeds' hypothetical KVM_CAP_GUEST_MEMFD_FLAGS_HI: no posting; numbered 1000 so it cannot collide",
  },
};

/**
 * GUEST_MEMFD_FLAG_NO_DIRECT_MAP (v12, April 2026): 1<<2, enumerated by KVM_CAP_GUEST_MEMFD_FLAGS
 * (an older revision's own capability is gone): the pages leave the kernel's direct map.
 */
export const NO_DIRECT_MAP: Profile = {
  ...LINUX_6_18,
  name: 'no-direct-map',
  description: 'GUEST_MEMFD_FLAG_NO_DIRECT_MAP (bit 2 in its series, the same bit HUGETLB wants)',
  status: 'proposal',
  gmemFlags: { ...LINUX_6_18.gmemFlags, noDirectMap: 1n << 2n, names: { ...LINUX_6_18.gmemFlags.names, GUEST_MEMFD_FLAG_NO_DIRECT_MAP: 1n << 2n } },
  sources: { ...LINUX_6_18.sources, flags: 'NO_DIRECT_MAP series v12 (April 2026): GUEST_MEMFD_FLAG_NO_DIRECT_MAP 1<<2 in KVM_CAP_GUEST_MEMFD_FLAGS' },
};

/**
 * The granular-flags idea from the mmap discussion (seed 001), never adopted upstream: READ and
 * WRITE as opt-ins beside MMAP, both withdrawable for good once the guest is populated. WRITE
 * takes the bit of its own posting (write() to populate, v7, Nov 2025: 1<<2 standalone); READ was
 * never posted, so its bit (1<<4) is the model's.
 */
export const GRANULAR: Profile = {
  ...LINUX_6_18,
  name: 'granular',
  description: 'granular MMAP/READ/WRITE opt-ins with READ and WRITE withdrawable (a proposal that was not adopted)',
  status: 'proposal',
  gmemFlags: {
    ...LINUX_6_18.gmemFlags,
    write: 1n << 2n,
    read: 1n << 4n,
    names: { ...LINUX_6_18.gmemFlags.names, GUEST_MEMFD_FLAG_WRITE: 1n << 2n, GUEST_MEMFD_FLAG_READ: 1n << 4n },
  },
  seals: true,
  sources: {
    ...LINUX_6_18.sources,
    flags: 'write() to populate, v7 (Nov 2025): WRITE 1<<2 standalone; READ 1<<4 is the model\'s (never posted)',
    readWrite: 'write() to populate, v7 (Nov 2025): page-aligned writes of shared memory; read() from the seeds\' idea',
    seals: 'the seeds\' granular-flags idea (never posted or adopted)',
  },
};

const PROFILES: ReadonlyMap<string, Profile> = new Map([LINUX_6_18, LINUX_7_3, LINUX_6_12, INPLACE_V13, INPLACE_V13_VMATTRS, INPLACE_V13_LEGACY, RFC_1G_V2, HUGETLB, NO_DIRECT_MAP, GRANULAR].map((p) => [p.name, p]));

export const DEFAULT_PROFILE = LINUX_6_18.name;

export function profileNames(): string[] {
  return [...PROFILES.keys()];
}

/** Other names getProfile accepts, each with the profile it stands for. */
export function profileAliases(): Readonly<Record<string, string>> {
  return PROFILE_ALIASES;
}

/** Look a profile up by name; an unknown name is a RangeError that lists the known ones. */
export function getProfile(name: string = DEFAULT_PROFILE): Profile {
  if (typeof name !== 'string') throw invalidArgType(`profile must be a string, got ${typeof name}`);
  const profile = PROFILES.get(PROFILE_ALIASES[name] ?? name);
  if (!profile) throw invalidArgValue(`unknown profile ${JSON.stringify(name)}; known profiles: ${profileNames().join(', ')} (and ${Object.keys(PROFILE_ALIASES).join(', ')})`, 'RangeError');
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
