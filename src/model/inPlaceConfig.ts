/**
 * The in-place conversion series as a kernel in front of us is configured: whether it has the
 * series at all, whether kvm.gmem_in_place_conversion is on, whether the VM-wide
 * KVM_SET_MEMORY_ATTRIBUTES is built in (CONFIG_KVM_VM_MEMORY_ATTRIBUTES), which capability
 * number announces it, and whether VMs with private memory accept INIT_SHARED. All of these are
 * build options or module parameters, so a differential run must take them from the kernel
 * (docs/kernel-behaviour.md#in-place-conversion); the series' rules themselves stay the model's.
 */
import type { Kvm, Vm } from '../api.js';
import { vmAttributesIoctlExists } from '../capabilities.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED } from '../uapi/flags.js';
import { INPLACE_V13, INPLACE_V13_LEGACY, type Profile } from './profile.js';

/** What the kernel answered; each field is one question asked of it. */
export interface KernelInPlaceAnswers {
  /** The capability number asked (the kernel backend's: option, GMEM_INPLACE_CAP, or 250). */
  readonly capability: number;
  /** Its answer at system scope (PRIVATE when in-place is on and KVM has private memory). */
  readonly systemAnswer: number;
  /** kvm.gmem_in_place_conversion ('Y'/'N'), undefined where the kernel has no such parameter. */
  readonly parameter: 'Y' | 'N' | undefined;
  /** KVM_SET_MEMORY_ATTRIBUTES exists on a VM (false: ENOTTY, the option compiled it out). */
  readonly vmAttributesIoctl: boolean;
  /**
   * Whether a VM with private memory offers INIT_SHARED (KVM_CAP_GUEST_MEMFD_FLAGS asked on the
   * first such VM type the kernel creates); undefined when it creates none.
   */
  readonly initSharedWithPrivateMem: boolean | undefined;
}

/** Whether the kernel has the series: the capability answers, or the parameter exists. */
export function hasSeries(a: KernelInPlaceAnswers): boolean {
  return a.systemAnswer !== 0 || a.parameter !== undefined;
}

/** Ask the kernel (or a double of it) the questions of KernelInPlaceAnswers; VMs made to ask are closed again. */
export function askInPlace(kvm: Kvm, vmTypes: readonly number[], privateMemVmTypes: readonly number[]): KernelInPlaceAnswers {
  const features = kvm.features();
  const capability = features.inPlaceCapability;
  return {
    capability,
    systemAnswer: kvm.checkExtension(capability),
    parameter: features.inPlaceParameter,
    vmAttributesIoctl: onDefaultVm(kvm, vmAttributesIoctlExists),
    initSharedWithPrivateMem: privateVmOffersInitShared(kvm, vmTypes.filter((t) => privateMemVmTypes.includes(t))),
  };
}


function onDefaultVm<T>(kvm: Kvm, ask: (vm: Vm) => T): T {
  using vm = kvm.createVm(0);
  return ask(vm);
}

function privateVmOffersInitShared(kvm: Kvm, types: readonly number[]): boolean | undefined {
  for (const type of types) {
    let vm;
    try {
      vm = kvm.createVm(type);
    } catch {
      continue; // Offered but not creatable here (SNP/TDX without the hardware): ask the next.
    }
    try {
      return (BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS')) & GUEST_MEMFD_FLAG_INIT_SHARED) !== 0n;
    } finally {
      vm.close();
    }
  }
  return undefined;
}

/**
 * `base` (the release profile chosen for the kernel, or --profile) with the series configured as
 * the answers say. A kernel without the series, or a base with the other conversion ioctl (RFC
 * v2), keeps `base` as it is.
 */
export function withInPlaceLike(base: Profile, a: KernelInPlaceAnswers): Profile {
  if (!hasSeries(a) || base.inPlace?.ioctl === 'convert') return base;
  const on = a.parameter === 'Y' || (a.parameter === undefined && a.systemAnswer !== 0);
  if (!on) {
    // The parameter off: PRIVATE stays per VM as in 6.18; the guest_memfd ioctl answers ENOTTY.
    return { ...base, inPlace: null, gmemInPlaceConversion: false, vmMemoryAttributes: a.vmAttributesIoctl, sources: { ...base.sources, parameter: INPLACE_V13_LEGACY.sources.parameter } };
  }
  return {
    ...base,
    inPlace: { ioctl: 'attributes2', capability: a.capability },
    gmemInPlaceConversion: true,
    initSharedWithPrivateMem: a.initSharedWithPrivateMem ?? INPLACE_V13.initSharedWithPrivateMem,
    vmMemoryAttributes: a.vmAttributesIoctl,
    sources: { ...base.sources, parameter: INPLACE_V13.sources.parameter, conversion: INPLACE_V13.sources.conversion, initShared: INPLACE_V13.sources.initShared, vmAttributes: INPLACE_V13.sources.vmAttributes },
  };
}

/** One line for notes and `probe`: what was read and what the model takes from it. */
export function describeInPlace(a: KernelInPlaceAnswers): string {
  if (!hasSeries(a)) return `no in-place conversion series (capability ${a.capability} answers 0, no kvm.gmem_in_place_conversion)`;
  const vmIoctl = a.vmAttributesIoctl ? 'VM-wide KVM_SET_MEMORY_ATTRIBUTES built in' : 'no VM-wide KVM_SET_MEMORY_ATTRIBUTES (ENOTTY)';
  const initShared = a.initSharedWithPrivateMem === undefined ? '' : `, INIT_SHARED ${a.initSharedWithPrivateMem ? 'offered' : 'refused'} to VMs with private memory`;
  return `in-place conversion series: capability ${a.capability} answers ${a.systemAnswer}, kvm.gmem_in_place_conversion=${a.parameter ?? '(absent)'}, ${vmIoctl}${initShared}`;
}
