/**
 * Numbers of interfaces that are still under review. They have moved between revisions of their
 * series, so code takes them as parameters with these defaults and never hard-wires them.
 */
export const PROPOSED_CAPS = {
  /** In-place conversion (KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd): 250 in v8; 249 and 245 earlier. */
  KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES: { latest: 250, earlier: [249, 245] },
} as const;
