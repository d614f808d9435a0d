/**
 * The backend-neutral API: the KVM uAPI one to one, with owning handles instead of integers.
 * The model (src/model) and the kernel backend (src/kernel) implement these interfaces, so a
 * program, test or scenario runs unchanged on either.
 *
 * Conventions: u64 inputs take a safe-integer number or a bigint; u64 outputs are bigints.
 * Failures are KvmError (src/errors.ts); input that is not a valid value of the C type is a
 * TypeError/RangeError raised before anything changes.
 */
import type { U64Input } from './args.js';
import type { KvmCapName } from './uapi/caps.js';
import type { VmTypeName } from './uapi/vmTypes.js';
import type { Profile } from './model/profile.js';

export type { U64Input } from './args.js';
export type BackendName = 'model' | 'kernel';
export type BytesInput = Uint8Array | ArrayBufferView | ArrayBuffer;

/** A capability by number or by its uAPI name. */
export type CapabilityInput = U64Input | KvmCapName;
/** A VM type by number or by its uAPI name (KVM_X86_SW_PROTECTED_VM, ...). */
export type VmTypeInput = U64Input | VmTypeName;

/** Something that owns a file descriptor. */
export interface FdHandle {
  /** The descriptor number (in the model: the model process's own numbering). */
  readonly fd: number;
  /** True once close() ran; every call but close() then fails with EBADF. */
  readonly closed: boolean;
  /** Close the descriptor. Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}

/** /dev/kvm. */
export interface Kvm extends FdHandle {
  readonly backend: BackendName;
  /** The profile the model follows, or 'host' for the kernel. */
  readonly profile: string;
  /** What this backend offers: ask it instead of testing the class of a handle. */
  features(): Features;
  /** KVM_GET_API_VERSION (12). */
  getApiVersion(): number;
  /** KVM_CHECK_EXTENSION at system scope. An unknown capability answers 0. */
  checkExtension(cap: CapabilityInput): number;
  /** KVM_CREATE_VM. */
  createVm(type?: VmTypeInput): Vm;
  /**
   * A plain memfd_create(2) file: not a KVM object, but needed to show that only a guest_memfd
   * can back a KVM_MEM_GUEST_MEMFD slot.
   */
  memfdCreate(name?: string): HostFile;
}

/**
 * What a backend offers, asked instead of testing its class. The neutral layers (scenario
 * runner, conformance checks, probe, explorer) read these answers.
 */
export interface Features {
  readonly backend: BackendName;
  /** The profile the model follows, or 'host' for the kernel. */
  readonly profile: string;
  /** The model's profile as data; undefined on the kernel (ask it with KVM_CHECK_EXTENSION). */
  readonly profileData: Profile | undefined;
  /**
   * The in-place conversion ioctl where one may exist: 'attributes2' (KVM_SET_MEMORY_ATTRIBUTES2,
   * on the kernel wherever the series is built in; whether a VM can use it is `inPlaceCapability`
   * asked on that VM) or 'convert' (KVM_GMEM_CONVERT_*, the RFC v2 series); undefined where there
   * is none.
   */
  readonly conversion: 'attributes2' | 'convert' | undefined;
  /**
   * The capability number that announces KVM_SET_MEMORY_ATTRIBUTES2 (still moving upstream): the
   * profile's, or on the kernel openKvm's inPlaceCapability, GMEM_INPLACE_CAP, or 250.
   */
  readonly inPlaceCapability: number;
  /**
   * kvm.gmem_in_place_conversion ('Y' or 'N'; the model: its profile's), undefined where the
   * kernel has no such parameter (no in-place series).
   */
  readonly inPlaceParameter: 'Y' | 'N' | undefined;
  /** Whether long-term pins can be taken (the model; the kernel where CONFIG_GUP_TEST's debugfs file exists). */
  readonly pins: boolean;
  /**
   * The guest_memfd flag names this backend knows (they differ between proposals); undefined on
   * the kernel, whose flags are what KVM_CAP_GUEST_MEMFD_FLAGS answers.
   */
  readonly gmemFlagNames: ReadonlySet<string> | undefined;
  /** NUMA nodes with memory a policy may use: the profile's, or this machine's (sysfs and the cpuset). */
  readonly memoryNodes: readonly number[];
  /** Whether madvise knows the huge page advices: the profile's, or whether this kernel has THP (its sysfs directory). */
  readonly transparentHugepages: boolean;
}

/** A regular (non-KVM) file. */
export interface HostFile extends FdHandle {}

export interface CreateGuestMemfdArgs {
  size: U64Input;
  flags?: U64Input;
  /** The six reserved u64 words (the kernel does not check them in 6.18). */
  reserved?: readonly U64Input[];
}

/** The fields of kvm_userspace_memory_region. */
export interface UserMemoryRegion {
  /** Bits 15:0 the slot id, bits 31:16 the address space. */
  slot: number;
  flags?: number;
  guestPhysAddr: U64Input;
  memorySize: U64Input;
  /**
   * The host memory behind the slot: a HostMapping of this Kvm, an address inside one (the slot
   * must fit in it), or 0 (the default). Anything else is refused (ERR_INVALID_ARG_VALUE) unless
   * the Kvm was opened with `unsafeRawAddresses`. A mapping under a live slot is kept reserved
   * and inaccessible by unmap() until the slot is deleted.
   */
  userspaceAddr?: U64Input | HostMapping;
}

/** The fields of kvm_userspace_memory_region2. */
export interface UserMemoryRegion2 extends UserMemoryRegion {
  guestMemfdOffset?: U64Input;
  /** A handle, or a raw descriptor number (to pass a closed or foreign descriptor on purpose). */
  guestMemfd?: FdHandle | number;
}

/** The fields of kvm_memory_attributes. */
export interface MemoryAttributesArgs {
  address: U64Input;
  size: U64Input;
  attributes: U64Input;
  flags?: U64Input;
}

/** struct kvm_segment. */
export interface Segment {
  base: bigint;
  limit: number;
  selector: number;
  type: number;
  present: boolean;
  dpl: number;
  db: boolean;
  s: boolean;
  l: boolean;
  g: boolean;
  avl: boolean;
  unusable: boolean;
}

/** struct kvm_dtable (GDT, IDT). */
export interface DescriptorTable {
  base: bigint;
  limit: number;
}

/** struct kvm_regs. */
export interface Regs {
  rax: bigint; rbx: bigint; rcx: bigint; rdx: bigint; rsi: bigint; rdi: bigint; rsp: bigint; rbp: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  rip: bigint; rflags: bigint;
}

/** struct kvm_sregs (x86). */
export interface Sregs {
  cs: Segment; ds: Segment; es: Segment; fs: Segment; gs: Segment; ss: Segment; tr: Segment; ldt: Segment;
  gdt: DescriptorTable; idt: DescriptorTable;
  cr0: bigint; cr2: bigint; cr3: bigint; cr4: bigint; cr8: bigint; efer: bigint; apicBase: bigint;
  interruptBitmap: bigint[];
}

/** Why KVM_RUN came back, decoded from kvm_run. */
export type VcpuExit =
  | { reason: 'KVM_EXIT_IO'; direction: 'in' | 'out'; size: number; port: number; count: number; data: Uint8Array }
  | { reason: 'KVM_EXIT_MMIO'; gpa: bigint; length: number; isWrite: boolean; data: Uint8Array }
  | { reason: 'KVM_EXIT_HLT' }
  | { reason: 'KVM_EXIT_SHUTDOWN' }
  | { reason: 'KVM_EXIT_MEMORY_FAULT'; errno: string; flags: bigint; gpa: bigint; size: bigint }
  | { reason: 'KVM_EXIT_INTERNAL_ERROR'; suberror: number; data: bigint[] }
  | { reason: 'KVM_EXIT_FAIL_ENTRY'; hardwareEntryFailureReason: bigint; cpu: number }
  | { reason: 'KVM_EXIT_SYSTEM_EVENT'; type: number; data: bigint[] }
  | { reason: 'KVM_EXIT_INTR' }
  /** The run was stopped after timeoutMs: the guest had not exited by itself. */
  | { reason: 'timeout'; timeoutMs: number }
  | { reason: 'unknown'; exitReason: number; name: string | undefined };

export interface RunOptions {
  /** Stop the guest after this long (default 5000 ms) and report a 'timeout' exit. */
  timeoutMs?: number;
}

/** A vCPU (the kernel backend runs real ones; the model does not execute guest code). */
export interface Vcpu extends FdHandle {
  readonly id: number;
  getRegs(): Regs;
  /** KVM_SET_REGS with the given registers changed and the others as they are. */
  setRegs(regs: { [K in keyof Regs]?: U64Input }): void;
  getSregs(): Sregs;
  /** KVM_SET_SREGS with the given fields changed and the others as they are. */
  setSregs(sregs: Partial<Sregs>): void;
  /** KVM_SET_CPUID2 with every leaf KVM supports (needed for paging and long mode). */
  setupCpuid(): void;
  /** KVM_RUN, bounded by a timeout. KVM_RUN's own failures (other than memory faults) throw KvmError. */
  run(options?: RunOptions): VcpuExit;
  /** Data for the last port-in or MMIO-read exit, delivered to the guest by the next run(). */
  completeIo(data: BytesInput): void;
}

/** A VM. */
export interface Vm extends FdHandle {
  /** The VM type it was created with. */
  readonly type: number;
  /** KVM_CHECK_EXTENSION on the VM (answers can depend on the VM type). */
  checkExtension(cap: CapabilityInput): number;
  /** KVM_CREATE_GUEST_MEMFD. */
  createGuestMemfd(args: CreateGuestMemfdArgs): GuestMemfd;
  /** KVM_SET_USER_MEMORY_REGION (the original 32-byte struct). */
  setUserMemoryRegion(region: UserMemoryRegion): void;
  /** KVM_SET_USER_MEMORY_REGION2; memorySize 0 deletes the slot. */
  setUserMemoryRegion2(region: UserMemoryRegion2): void;
  /** KVM_SET_MEMORY_ATTRIBUTES (the VM-wide ioctl). */
  setMemoryAttributes(args: MemoryAttributesArgs): void;
  /** KVM_CREATE_VCPU. */
  createVcpu(id: number): Vcpu;
  /**
   * Guest-side memory access, as a vCPU sees it. On the kernel it runs a tiny guest program on a
   * vCPU of its own (the highest id KVM allows) with a code memslot of its own, which stays between
   * accesses but is deleted before any memslot call or vCPU of the caller's could meet it.
   */
  readonly guest: GuestAccess;
}

export interface GuestMemfdStat {
  size: bigint;
  blksize: number;
  blocks: bigint;
  mode: number;
  nlink: number;
  ino: bigint;
  uid: number;
  gid: number;
}

export interface MmapOptions {
  /** File offset (default 0); must be page aligned. */
  offset?: U64Input;
  /** Length in bytes (default the file size); rounded up to whole pages as mmap(2) does. */
  length?: U64Input;
  /** PROT_* bits (default PROT_READ|PROT_WRITE). */
  prot?: number;
  /** MAP_SHARED (default), MAP_PRIVATE or MAP_SHARED_VALIDATE. */
  flags?: number;
}

/** A guest_memfd file. */
export interface GuestMemfd extends FdHandle {
  /** The size given at creation (it never changes). */
  readonly size: bigint;
  /** The flags given at creation. */
  readonly flags: bigint;
  /** fstat(2). */
  stat(): GuestMemfdStat;
  /** fallocate(2) with any mode; see allocate/punchHole for the two that guest_memfd supports. */
  fallocate(mode: number, offset: U64Input, len: U64Input): void;
  /** fallocate(FALLOC_FL_KEEP_SIZE): allocate pages without zeroing them. */
  allocate(offset: U64Input, len: U64Input): void;
  /** fallocate(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE): free pages; they read as zero after. */
  punchHole(offset: U64Input, len: U64Input): void;
  mmap(options?: MmapOptions): HostMapping;
  /**
   * In-place conversion, a proposal: present where this profile has it, or where the kernel's VM
   * announced it (KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES) when the file was made; undefined
   * elsewhere. kvm.features().conversion says which ioctl a backend may have.
   */
  readonly conversion: InPlaceConversion | undefined;
  /**
   * Long-term pins: the model's, or on the kernel through gup_test (debugfs); where the kernel has
   * no gup_test, pin() throws UnsupportedError saying so (kvm.features().pins is false).
   */
  readonly pins: LongTermPins | undefined;
  /** The granular-flags proposal's READ/WRITE seals: profiles that have them only. */
  readonly seals: GranularSeals | undefined;
  // The file calls that guest_memfd refuses; they exist so that the refusal can be checked.
  read(length: number): Uint8Array;
  write(data: BytesInput): number;
  pread(length: number, position: U64Input): Uint8Array;
  pwrite(data: BytesInput, position: U64Input): number;
  lseek(offset: U64Input, whence: number): bigint;
  ftruncate(length: U64Input): void;
  fsync(): void;
  fchmod(mode: number): void;
}

/** In-place conversion of a guest_memfd's pages (the conversion proposals; not in a released kernel). */
export interface InPlaceConversion {
  /** The proposal's ioctl: KVM_SET_MEMORY_ATTRIBUTES2 (in-place series) or KVM_GMEM_CONVERT (RFC v2). */
  readonly ioctl: 'attributes2' | 'convert';
  /** Convert to private with this proposal's ioctl. */
  toPrivate(offset: U64Input, size: U64Input): void;
  /** Convert to shared with this proposal's ioctl. */
  toShared(offset: U64Input, size: U64Input): void;
  /**
   * KVM_SET_MEMORY_ATTRIBUTES2: convert [offset, offset+size) to private (attributes PRIVATE) or
   * shared (0), all or nothing. A failure is a KvmError; for EAGAIN (a pinned page) and ENOMEM it
   * carries errorOffset. ENOTTY where the proposal is the other one.
   */
  setMemoryAttributes2(args: MemoryAttributes2Args): void;
  /** KVM_GMEM_CONVERT_SHARED / KVM_GMEM_CONVERT_PRIVATE of the RFC v2 series (ENOTTY elsewhere). */
  gmemConvert(to: AccessKind, args: GmemConvertArgs): void;
}

/** Long-term pins, as a DMA mapping or FOLL_LONGTERM get_user_pages takes them. */
export interface LongTermPins {
  /** Pin [offset, offset+length); the pages must be shared (the host must reach them). */
  pin(offset: U64Input, length: U64Input): Pin;
}

/** The granular-flags proposal's seals. */
export interface GranularSeals {
  /** Withdraw READ and/or WRITE for good (seal a populated file against stray host access). */
  addSeals(flags: U64Input): void;
}

/** The fields of kvm_memory_attributes2 (KVM_SET_MEMORY_ATTRIBUTES2 on a guest_memfd). */
export interface MemoryAttributes2Args {
  offset: U64Input;
  size: U64Input;
  attributes: U64Input;
  flags?: U64Input;
  /** The eleven reserved u64 words; they must be zero. */
  reserved?: readonly U64Input[];
  /**
   * What the struct's error_offset holds on entry (default 0). The kernel neither checks it nor,
   * except after EAGAIN and ENOMEM (then KvmError.errorOffset), writes it.
   */
  errorOffset?: U64Input;
}

/** The fields of kvm_gmem_convert (RFC v2 of 1G page support). */
export interface GmemConvertArgs {
  offset: U64Input;
  size: U64Input;
  /** An output of the kernel; it must be 0 on input. */
  errorOffset?: U64Input;
  /** The five reserved u64 words. */
  reserved?: readonly U64Input[];
}

/** A long-term pin of guest_memfd pages, as a DMA mapping or FOLL_LONGTERM get_user_pages holds. */
export interface Pin {
  readonly offset: bigint;
  readonly length: bigint;
  readonly released: boolean;
  /** Drop the pin. Idempotent. */
  release(): void;
  [Symbol.dispose](): void;
}

/** mbind(2)'s arguments, the range relative to the mapping. */
export interface MbindArgs {
  /** An MPOL_* name, or any number (the kernel judges it; mode flags may be OR'ed in). */
  mode: number | string;
  /** MPOL_F_STATIC_NODES / MPOL_F_RELATIVE_NODES / MPOL_F_NUMA_BALANCING: names or their OR. */
  modeFlags?: number | readonly string[];
  /** Node numbers (0..32767); none (the default) passes no mask at all. */
  nodes?: readonly number[];
  /** The mask's bit count plus one, as the kernel reads it; default: the whole longs that hold `nodes`, plus one (0 without nodes). */
  maxnode?: U64Input;
  /** MPOL_MF_* flags: names or their OR (default 0). */
  flags?: number | readonly string[];
  /** Default 0. */
  offset?: U64Input;
  /** Default: to the end of the mapping. */
  length?: U64Input;
}

/** A memory policy as get_mempolicy(2) reports it. */
export interface MemPolicy {
  /** The mode (MPOL_DEFAULT where none is set). */
  mode: number;
  /** Its name, e.g. 'MPOL_BIND' (undefined for a number the table lacks). */
  name: string | undefined;
  /** The mode flags it was set with (MPOL_F_STATIC_NODES and friends). */
  modeFlags: number;
  /** The node mask: the nodes given when STATIC/RELATIVE, else the nodes in effect. */
  nodes: number[];
}

/** A host mmap of a guest_memfd. Offsets are relative to the start of the mapping. */
export interface HostMapping {
  /** The mapping's start address (in the model: an address in the model process's space). */
  readonly address: bigint;
  /** The mapped length: the requested length rounded up to whole pages. */
  readonly length: bigint;
  /** The file offset the mapping starts at. */
  readonly offset: bigint;
  readonly prot: number;
  /** False after unmap(). */
  readonly mapped: boolean;
  /** Copy bytes out. A page the kernel would SIGBUS on throws KvmError 'SIGBUS'; pages before it were read. */
  read(offset: U64Input, length: number): Uint8Array;
  /** read() into a caller's buffer (no allocation): fills all of `dest`, or stops at the first page that faults. */
  readInto(offset: U64Input, dest: Uint8Array): void;
  /** Copy bytes in, page by page in ascending order; stops at the first page that faults. */
  write(offset: U64Input, data: BytesInput): void;
  /** memset. */
  fill(offset: U64Input, length: U64Input, byte: number): void;
  /** mprotect(2) of the whole mapping. */
  mprotect(prot: number): void;
  /** madvise(2) of the whole mapping: a MADV_* name or number among those that change no contents, or MADV_COLLAPSE. */
  madvise(advice: number | string): void;
  /**
   * mbind(2) of part of the mapping (default: all of it). Where the kernel keeps the policy differs
   * by release: on the mapping (6.18) or on the file's pages, seen by every mapping (7.x).
   */
  mbind(args: MbindArgs): void;
  /** get_mempolicy(2) with MPOL_F_ADDR: the policy of the page at a mapping offset. */
  getMempolicy(offset: U64Input): MemPolicy;
  /**
   * get_mempolicy(2) with MPOL_F_NODE | MPOL_F_ADDR: the NUMA node of the page at a mapping
   * offset. The kernel faults the page in to look (a page it cannot fault, private or past the
   * end of the file, is EFAULT).
   */
  pageNode(offset: U64Input): number;
  /** munmap(2). Idempotent; afterwards every access is an EBADF KvmError. */
  unmap(): void;
  [Symbol.dispose](): void;
}

/** How a guest access is made: private or shared (the guest's choice on SNP/TDX). */
export type AccessKind = 'private' | 'shared';

export interface GuestAccessOptions {
  /**
   * Private or shared. Default: what the memory's attribute says (what a well-behaved
   * guest does; SW_PROTECTED VMs always do this); always shared on a VM without private memory.
   */
  kind?: AccessKind;
}

export type GuestExit =
  | {
      reason: 'KVM_EXIT_MEMORY_FAULT';
      /** KVM_RUN's error: EFAULT (or another errno the fault path returned). */
      errno: string;
      flags: bigint;
      gpa: bigint;
      size: bigint;
    }
  | {
      reason: 'KVM_EXIT_MMIO';
      gpa: bigint;
      length: number;
      isWrite: boolean;
    };

export type GuestResult<T> = { ok: true; value: T } | { ok: false; exit: GuestExit };

/** The size of the mapping the guest's MMU gets for a page. */
export type MappingLevel = '4K' | '2M' | '1G';

/** Guest-side access to guest physical memory. */
export interface GuestAccess {
  read(gpa: U64Input, length: number, options?: GuestAccessOptions): GuestResult<Uint8Array>;
  write(gpa: U64Input, data: BytesInput, options?: GuestAccessOptions): GuestResult<undefined>;
  /**
   * The mapping level the guest would get for this GPA: a huge page only where the file has huge
   * pages, the slot maps the whole of one, aligned, and all of it is private. null where no memory is.
   */
  mappingLevel(gpa: U64Input): MappingLevel | null;
}

export interface OpenKvmOptions {
  /** 'model' (default), 'kernel', or 'auto' (the kernel when /dev/kvm is usable). */
  backend?: BackendName | 'auto';
  /** The model's profile (default 'linux-6.18'). */
  profile?: string;
  /**
   * The kernel only: the number of KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES, for a kernel whose
   * series numbered it differently (default: the environment variable GMEM_INPLACE_CAP, else 250).
   */
  inPlaceCapability?: number;
  /**
   * Let a memslot's userspaceAddr be any number (default false): what the C API allows, and
   * what a test of the kernel's own address checks needs. With it, a slot can cover memory this
   * library does not own, and a guest access through the slot reads or writes it. Scenarios
   * cannot set it.
   */
  unsafeRawAddresses?: boolean;
}
