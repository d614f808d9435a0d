/**
 * Byte layouts of the uAPI structs (little endian, x86-64). Offsets are the kernel's; the
 * native addon asserts the same sizes at compile time.
 */

export interface FieldLayout {
  readonly offset: number;
  /** Width in bytes (4 or 8); arrays give the element width and a count. */
  readonly size: 1 | 2 | 4 | 8;
  readonly count?: number;
}
export type StructLayout = Readonly<Record<string, FieldLayout>>;

export const STRUCT_SIZES = {
  kvm_userspace_memory_region: 32,
  kvm_userspace_memory_region2: 160,
  kvm_memory_attributes: 32,
  kvm_create_guest_memfd: 64,
  kvm_pre_fault_memory: 64,
} as const;

export const kvm_create_guest_memfd = {
  size: { offset: 0, size: 8 },
  flags: { offset: 8, size: 8 },
  reserved: { offset: 16, size: 8, count: 6 },
} as const satisfies StructLayout;

export const kvm_userspace_memory_region = {
  slot: { offset: 0, size: 4 },
  flags: { offset: 4, size: 4 },
  guest_phys_addr: { offset: 8, size: 8 },
  memory_size: { offset: 16, size: 8 },
  userspace_addr: { offset: 24, size: 8 },
} as const satisfies StructLayout;

export const kvm_userspace_memory_region2 = {
  ...kvm_userspace_memory_region,
  guest_memfd_offset: { offset: 32, size: 8 },
  guest_memfd: { offset: 40, size: 4 },
  pad1: { offset: 44, size: 4 },
  pad2: { offset: 48, size: 8, count: 14 },
} as const satisfies StructLayout;

export const kvm_memory_attributes = {
  address: { offset: 0, size: 8 },
  size: { offset: 8, size: 8 },
  attributes: { offset: 16, size: 8 },
  flags: { offset: 24, size: 8 },
} as const satisfies StructLayout;

export const kvm_pre_fault_memory = {
  gpa: { offset: 0, size: 8 },
  size: { offset: 8, size: 8 },
  flags: { offset: 16, size: 8 },
  padding: { offset: 24, size: 8, count: 5 },
} as const satisfies StructLayout;

/** struct kvm_run: only the parts the project reads. */
export const kvm_run = {
  request_interrupt_window: { offset: 0, size: 1 },
  immediate_exit: { offset: 1, size: 1 },
  exit_reason: { offset: 8, size: 4 },
  /** Start of the exit union. */
  exit_union: { offset: 32, size: 8 },
  memory_fault_flags: { offset: 32, size: 8 },
  memory_fault_gpa: { offset: 40, size: 8 },
  memory_fault_size: { offset: 48, size: 8 },
} as const satisfies StructLayout;

/** The size a layout spans (highest field end). */
export function layoutSize(layout: StructLayout): number {
  let end = 0;
  for (const f of Object.values(layout)) end = Math.max(end, f.offset + f.size * (f.count ?? 1));
  return end;
}
