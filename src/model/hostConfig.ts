/**
 * A profile configured like a given kernel: the same release rules, with the switches that are
 * kernel *configuration* (which VM types exist, whether VM memory attributes are built in,
 * two-dimensional paging) read from the kernel's own capability answers, and the machine's
 * (address widths, the commit limit, transparent huge pages) from /proc and /sys. This is what a
 * differential run compares against, so that only behaviour can differ, never configuration.
 * It never copies behaviour: a rule the kernel breaks stays upstream's rule in the model.
 */
import { readFileSync } from 'node:fs';
import { memoryNodes } from '../hostNodes.js';
import { transparentHugepagesBuiltIn } from '../hostThp.js';
import { release as unameRelease } from 'node:os';
import type { Kvm } from '../api.js';
import { askInPlace, describeInPlace, hasSeries, type KernelInPlaceAnswers, withInPlaceLike } from './inPlaceConfig.js';
import { LINUX_6_18, type Profile } from './profile.js';
import { chooseRelease, type ReleaseChoice } from './releaseChoice.js';
import { maxNumNodesOf } from './numaConfig.js';
import { taskSizeMax } from '../uapi/memory.js';

/** What /proc/cpuinfo says about the address widths the MMU and the kernel use. */
export interface CpuAddressing {
  /** MAXPHYADDR: the guest physical bits a TDP MMU can map. */
  physicalBits: number | undefined;
  /** Whether the kernel runs with 5-level paging (the flag is cleared when it does not). */
  la57: boolean;
}

/** A "Name: N kB" field of /proc/meminfo (or of the text given) in bytes; undefined where it is missing. */
export function meminfoBytes(field: string, meminfo?: string): bigint | undefined {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1];
  return kib === undefined ? undefined : BigInt(kib) * 1024n;
}

/** RAM plus swap from /proc/meminfo (the heuristic overcommit limit), or undefined. */
export function commitLimit(meminfo?: string): bigint | undefined {
  const total = (meminfoBytes('MemTotal', meminfo) ?? 0n) + (meminfoBytes('SwapTotal', meminfo) ?? 0n);
  return total > 0n ? total : undefined;
}

export function cpuAddressing(cpuinfo?: string): CpuAddressing {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return { physicalBits: undefined, la57: false };
    }
  }
  const bits = /^address sizes\s*:\s*(\d+) bits physical/m.exec(text)?.[1];
  const flags = /^flags\s*:(.*)$/m.exec(text)?.[1] ?? '';
  return { physicalBits: bits ? Number(bits) : undefined, la57: flags.split(/\s+/).includes('la57') };
}

export function profileLike(kvm: Kvm, base: Profile = LINUX_6_18, cpu: CpuAddressing = cpuAddressing(), thp: boolean = transparentHugepagesBuiltIn()): Profile {
  return configuredLike(kvm, base, cpu, thp).profile;
}

/** profileLike, with what the kernel said about the in-place series (for the note a run prints). */
export function configuredLike(
  kvm: Kvm,
  base: Profile = LINUX_6_18,
  cpu: CpuAddressing = cpuAddressing(),
  thp: boolean = transparentHugepagesBuiltIn(),
): { profile: Profile; inPlace: KernelInPlaceAnswers } {
  const vmTypesBitmap = kvm.checkExtension('KVM_CAP_VM_TYPES') || 1;
  const vmTypes = base.vmTypes.filter((t) => (vmTypesBitmap >>> t) & 1);
  const tdp = kvm.checkExtension('KVM_CAP_PRE_FAULT_MEMORY') !== 0;
  const inPlace = askInPlace(kvm, vmTypes, base.privateMemVmTypes);
  const like: Profile = {
    ...base,
    name: `${base.name} configured like this kernel`,
    description: `${base.description}; VM types, VM memory attributes and TDP as this kernel reports them`,
    vmTypes,
    vmMemoryAttributes: kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES') !== 0,
    tdp,
    // With TDP the MMU maps what the CPU can address; shadow paging always allows 52 bits.
    maxGpaBits: tdp && cpu.physicalBits ? cpu.physicalBits : 52,
    // USER_PTR_MAX is TASK_SIZE_MAX, which 5-level paging raises.
    userAddressMax: taskSizeMax(cpu.la57),
    commitLimitBytes: commitLimit() ?? base.commitLimitBytes,
    transparentHugepages: thp,
    memoryNodes: memoryNodes() ?? base.memoryNodes,
    maxNumNodes: maxNumNodesOf(kvm) ?? base.maxNumNodes,
    userMemSlots: kvm.checkExtension('KVM_CAP_NR_MEMSLOTS') || base.userMemSlots,
    // KVM_MAX_VCPU_IDS follows CONFIG_KVM_MAX_NR_VCPUS (Debian's 7.3: 16384, this host: 4096).
    maxVcpuId: kvm.checkExtension('KVM_CAP_MAX_VCPU_ID') || base.maxVcpuId,
    // The capability answers 0 when the kernel has a single address space (no SMM).
    addressSpaces: Math.max(1, kvm.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE')),
  };
  if (!hasSeries(inPlace)) return { profile: like, inPlace };
  return { profile: { ...withInPlaceLike(like, inPlace), description: `${like.description}; ${describeInPlace(inPlace)}` }, inPlace };
}

/** The release profile of the kernel `kvm` reaches: its uname release and whether it has guest_memfd. */
export function releaseOfKernel(kvm: Kvm, uname: string = unameRelease()): ReleaseChoice {
  return chooseRelease(uname, kvm.checkExtension('KVM_CAP_GUEST_MEMFD') !== 0);
}

/**
 * The model configured like the kernel `open` reaches (it is opened to ask, and closed again):
 * `base` when given (--profile), else the release profile chosen for it.
 */
export function profileOfKernel(open: () => Kvm, base?: Profile): Profile {
  return kernelProfileChoice(open, base).profile;
}

/** profileOfKernel, with the choice and the note saying which release profile and why. */
export function kernelProfileChoice(open: () => Kvm, base?: Profile): ReleaseChoice {
  const kvm = open();
  try {
    return choiceFor(kvm, base);
  } finally {
    kvm.close();
  }
}

/** The release profile for `kvm` (or `base`), configured like it; the note says what the in-place series said. */
export function choiceFor(kvm: Kvm, base?: Profile): ReleaseChoice {
  const choice: ReleaseChoice = base ? { profile: base, note: `profile ${base.name} (--profile)` } : releaseOfKernel(kvm);
  const { profile, inPlace } = configuredLike(kvm, choice.profile);
  return { profile, note: hasSeries(inPlace) ? `${choice.note}; ${describeInPlace(inPlace)}` : choice.note };
}
