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
];
