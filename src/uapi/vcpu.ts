/** The x86 vCPU uAPI: register structs and the kvm_run exit union, as byte layouts. */
import type { StructLayout } from './structs.js';

export const VCPU_STRUCT_SIZES = {
  kvm_regs: 144,
  kvm_sregs: 312,
  kvm_segment: 24,
  kvm_dtable: 16,
  /** The header only: its kvm_cpuid_entry2 entries (40 bytes each) follow, outside the ioctl's encoded size. */
  kvm_cpuid2: 8,
} as const;

/** struct kvm_regs: eighteen u64 in this order. */
export const KVM_REGS_ORDER = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'rflags',
] as const;
export type RegName = (typeof KVM_REGS_ORDER)[number];

/** struct kvm_segment. */
export const kvm_segment = {
  base: { offset: 0, size: 8 },
  limit: { offset: 8, size: 4 },
  selector: { offset: 12, size: 2 },
  type: { offset: 14, size: 1 },
  present: { offset: 15, size: 1 },
  dpl: { offset: 16, size: 1 },
  db: { offset: 17, size: 1 },
  s: { offset: 18, size: 1 },
  l: { offset: 19, size: 1 },
  g: { offset: 20, size: 1 },
  avl: { offset: 21, size: 1 },
  unusable: { offset: 22, size: 1 },
} as const satisfies StructLayout;

/** struct kvm_sregs (x86): where each segment, table and control register sits. */
export const KVM_SREGS_SEGMENTS = { cs: 0, ds: 24, es: 48, fs: 72, gs: 96, ss: 120, tr: 144, ldt: 168 } as const;
export const KVM_SREGS_DTABLES = { gdt: 192, idt: 208 } as const;
export const KVM_SREGS_CONTROL = { cr0: 224, cr2: 232, cr3: 240, cr4: 248, cr8: 256, efer: 264, apicBase: 272 } as const;
export const KVM_SREGS_INTERRUPT_BITMAP = 280;

/** The kvm_run exit union members the project decodes (offsets from the start of kvm_run). */
export const kvm_run_exits = {
  io: { direction: 32, size: 33, port: 34, count: 36, dataOffset: 40 },
  mmio: { physAddr: 32, data: 40, len: 48, isWrite: 52 },
  failEntry: { hardwareEntryFailureReason: 32, cpu: 40 },
  internal: { suberror: 32, ndata: 36, data: 40 },
  systemEvent: { type: 32, ndata: 36, data: 40 },
  memoryFault: { flags: 32, gpa: 40, size: 48 },
} as const;
/** Bytes of kvm_run the exit decoding reads (header and union). */
export const KVM_RUN_DECODED_BYTES = 32 + 256;
