/**
 * Where this project's host kernel and the model (upstream behaviour as the spec states it)
 * disagree, each named and explained. Both the differential test and `gmem conform` read this
 * list: a difference listed here is reported as a known divergence, not as a failure, and only
 * when the kernel's answer is the one described.
 */
import type { Outcome, Step } from '../scenario/types.js';
import { u64Value } from '../scenario/values.js';
import { LOFF_MAX } from '../uapi/memory.js';

export interface KnownDivergence {
  /** A short name to cite in reports. */
  name: string;
  why: string;
  /** The kernel's answer that marks it (fields of the step's outcome). */
  kernel: Partial<Record<keyof Outcome | 'exit' | 'ok' | 'errno', unknown>>;
  /** Steps of the differential test's fixed sequences where it shows. */
  differential: { sequence: string; step: string }[];
  /** Steps of conformance checks where it shows (the check id and the step's index). */
  conform: { check: string; step: number }[];
  /** Recognizes it in any step (the fuzzer's random sequences): the step, and both answers. */
  recognize?: (step: Step, model: Outcome, kernel: Outcome) => boolean;
}

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    name: 'gmem-bind-loff-overflow',
    why:
      'kvm_gmem_bind checks "offset + size > i_size" in signed 64-bit loff_t arithmetic; with offset 2^63 - 4096 and ' +
      'size 8192 the sum wraps negative and the check passes, so the kernel binds a range that lies outside the file ' +
      '(a later slot overlapping that range is then refused). spec/01 section 8 says EINVAL, which the model keeps. ' +
      'The expression is the same in upstream 6.18, so this is an upstream bug, not one of this paravirtual host; the ' +
      'earlier u64 wrap check in __kvm_set_memory_region does not catch it because the u64 sum does not wrap.',
    kernel: { ok: true },
    differential: [{ sequence: 'binding a guest_memfd', step: 'offset + size past the largest loff_t' }],
    conform: [{ check: 'memslot.bind_offset_overflow', step: 2 }],
    recognize: (step, model, kernel) => {
      if (step.do !== 'setUserMemoryRegion2' || !('ok' in kernel) || !('errno' in model) || model.errno !== 'EINVAL') return false;
      try {
        const end = u64Value(step.guestMemfdOffset ?? 0, 'guestMemfdOffset') + u64Value(step.memorySize, 'memorySize');
        return end > LOFF_MAX;
      } catch {
        return false;
      }
    },
  },
  {
    name: 'pvm-gmem-uaddr0-mmio',
    why:
      'spec/03: a slot bound to a guest_memfd with MMAP is "guest_memfd only" upstream: the MMU serves every guest ' +
      "fault from the file and ignores userspace_addr. This host's paravirtual MMU still goes through the host " +
      'address, so with userspace_addr 0 the access exits as KVM_EXIT_MMIO. The model keeps upstream behaviour.',
    kernel: { exit: 'KVM_EXIT_MMIO' },
    differential: [{ sequence: 'guest access', step: 'guest reads the guest_memfd-only slot' }],
    conform: [{ check: 'selftest.guest', step: 5 }],
  },
  {
    name: 'pvm-hva-fault-mmio',
    why:
      'A shared guest access whose host address cannot be faulted in (here: an ordinary slot over the mapping of a ' +
      'guest_memfd page that is private, so the host fault is a SIGBUS) makes upstream KVM_RUN fail with EFAULT, ' +
      'with no KVM_EXIT_MEMORY_FAULT: kvm_handle_error_pfn returns -EFAULT without filling the memory-fault exit ' +
      '(seen on Debian 7.3 under gmem vm; 6.18 has the same path). This host exits KVM_EXIT_MMIO instead, as it ' +
      'does for every guest access it cannot back; the same happens for a bound guest_memfd after its file was released.',
    kernel: { exit: 'KVM_EXIT_MMIO' },
    differential: [{ sequence: 'guest access', step: 'guest reads it: the host address cannot be faulted' }],
    conform: [{ check: 'guest.unbacked_host_address', step: 4 }],
  },
];

/** Is this the kernel answer that marks the divergence? */
export function showsDivergence(d: KnownDivergence, kernel: Outcome): boolean {
  return Object.entries(d.kernel).every(([k, v]) => (kernel as Record<string, unknown>)[k] === v);
}

/** The divergence a kernel outcome at this check's step shows, if it is a known one. */
export function knownDivergence(check: string, step: number, kernel: Outcome): KnownDivergence | undefined {
  return KNOWN_DIVERGENCES.find((d) => d.conform.some((c) => c.check === check && c.step === step) && showsDivergence(d, kernel));
}

/** The known divergence a step of a random sequence shows, if any. */
export function recognizeDivergence(step: Step, model: Outcome, kernel: Outcome): KnownDivergence | undefined {
  return KNOWN_DIVERGENCES.find((d) => d.recognize?.(step, model, kernel));
}
