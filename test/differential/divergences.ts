/**
 * Where this host's kernel and the model (upstream behaviour, as the spec states it) disagree,
 * each with its explanation. The differential test tolerates exactly these steps and reports
 * when one of them starts to agree (the kernel was fixed).
 */
export interface KnownDivergence {
  /** A short name to cite in reports. */
  name: string;
  sequence: string;
  step: string;
  why: string;
}

export const KNOWN_DIVERGENCES: KnownDivergence[] = [
  {
    name: 'gmem-bind-loff-overflow',
    sequence: 'binding a guest_memfd',
    step: 'offset + size past the largest loff_t',
    why:
      'kvm_gmem_bind checks "offset + size > i_size" in signed 64-bit loff_t arithmetic; with offset 2^63 - 4096 and ' +
      'size 8192 the sum wraps negative and the check passes, so the kernel binds a range that lies outside the file ' +
      '(a later slot overlapping that range is then refused). spec/01 section 8 says EINVAL, which the model keeps. ' +
      'The expression is the same in upstream 6.18, so this is an upstream bug, not one of this paravirtual host; the ' +
      'earlier u64 wrap check in __kvm_set_memory_region does not catch it because the u64 sum does not wrap.',
  },
  {
    name: 'pvm-gmem-uaddr0-mmio',
    sequence: 'guest access',
    step: 'guest reads the guest_memfd-only slot',
    why:
      'spec/03: a slot bound to a guest_memfd with MMAP is "guest_memfd only" upstream: the MMU serves every ' +
      'guest fault from the file and ignores userspace_addr. This host\'s paravirtual MMU still goes through the ' +
      'host address, so with userspace_addr 0 the access exits as KVM_EXIT_MMIO. The model keeps upstream behaviour.',
  },
  {
    name: 'pvm-hva-fault-mmio',
    sequence: 'guest access',
    step: 'guest reads it: the host address cannot be faulted',
    why:
      'A shared guest access whose host address cannot be faulted in (here: an ordinary slot over the mapping of a ' +
      'guest_memfd page that is private, so the host fault is a SIGBUS) makes upstream KVM_RUN fail with EFAULT and ' +
      'a KVM_EXIT_MEMORY_FAULT exit (kvm_handle_error_pfn). This host exits KVM_EXIT_MMIO instead, as it does for ' +
      'every guest access it cannot back; the same happens for a bound guest_memfd after its file was released.',
  },
];
