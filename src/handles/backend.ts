/**
 * What a backend implements: one method per ioctl or system call, taking words the handle
 * layer has already validated (the shape of rust-vmm's kvm-ioctls: build the struct, issue the
 * call, return the value or fail with the errno). A backend never re-validates arguments and
 * never checks whether a descriptor was closed: the handles in this folder do both, once.
 *
 * A failure is an Errno (src/errors.ts): the errno and, in the model, why. The handle layer
 * names it in the KvmError the caller sees, whether it was thrown or returned (Failed).
 */
import type { Errno } from '../errors.js';
import type { Features, GuestExit, GuestMemfdStat, MappingLevel, Pin, Regs, Sregs, VcpuExit } from '../api.js';
import type {
  CreateGuestMemfdWords,
  GmemConvertWords,
  GuestAccessRequest,
  MemoryAttributes2Words,
  MemoryAttributesWords,
  MemoryRegionIoctl,
  MemoryRegionWords,
  MmapRequest,
} from '../requests.js';

/**
 * A call's answer or its failure, returned as the system call returns -errno. The calls whose
 * refusal is an everyday answer (creating a file, fallocate, the read/write family) return it
 * instead of throwing: a refused call then costs one throw (the caller's KvmError) instead of
 * two, and the rule that refuses returns normally, which V8 needs to optimise it (a function
 * only ever left by a throw stays in the interpreter). Any call may still throw an Errno.
 */
export type Failed<T> = T | Errno;

/** A descriptor a backend owns. */
export interface FileBackend {
  readonly fd: number;
  /**
   * The descriptor table it lives in: a model process, or this process on the kernel. A
   * descriptor can only be passed (as a memslot's guest_memfd) within one table.
   */
  readonly table: object;
  /**
   * A real descriptor of this process (the kernel backend): a handle dropped without close()
   * then needs the garbage-collection safety net. The model's descriptors live in a model
   * process, which gives everything back when it is collected as a whole.
   */
  readonly systemResource: boolean;
  close(): void;
}

/** /dev/kvm. */
export interface KvmBackend extends FileBackend {
  /** What this backend offers (asked once, when the handle is made). */
  features(): Features;
  /** KVM_GET_API_VERSION. */
  getApiVersion(): number;
  /** KVM_CHECK_EXTENSION (a small capability may come as a number, to spare a BigInt). */
  checkExtension(cap: number | bigint): number;
  /** KVM_CREATE_VM. */
  createVm(type: bigint): VmBackend;
  /** memfd_create(2). */
  memfdCreate(name: string): FileBackend;
}

/** A VM's descriptor. */
export interface VmBackend extends FileBackend {
  readonly type: number;
  /** Whether the VM type has private memory (guest accesses may then be private). */
  readonly hasPrivateMem: boolean;
  checkExtension(cap: number | bigint): number;
  /** KVM_CREATE_GUEST_MEMFD. */
  createGuestMemfd(words: CreateGuestMemfdWords): Failed<GuestMemfdBackend>;
  /** KVM_SET_USER_MEMORY_REGION or KVM_SET_USER_MEMORY_REGION2. */
  setUserMemoryRegion(ioctl: MemoryRegionIoctl, words: MemoryRegionWords): void;
  /** KVM_SET_MEMORY_ATTRIBUTES. */
  setMemoryAttributes(words: MemoryAttributesWords): void;
  /** KVM_CREATE_VCPU (the id already validated as a u32). */
  createVcpu(id: number): VcpuBackend;
  /** A guest read of req.length bytes into `out`: an exit, or undefined when all was read. */
  guestRead(req: GuestAccessRequest, out: Uint8Array): GuestExit | undefined;
  guestWrite(req: GuestAccessRequest, src: Uint8Array): GuestExit | undefined;
  mappingLevel(gpa: bigint): MappingLevel | null;
  /**
   * Whether closing the descriptor destroys the VM, its slots with it: nothing else holds it
   * once the host mappings at `unmapped` are gone. Absent: the VM may outlive its descriptor.
   */
  diesWithDescriptor?(unmapped?: ReadonlySet<bigint>): boolean;
}

/** A vCPU's descriptor (and its kvm_run). */
export interface VcpuBackend extends FileBackend {
  readonly id: number;
  /** KVM_GET_REGS. */
  getRegs(): Regs;
  /** KVM_SET_REGS with the whole struct. */
  setRegs(regs: Regs): void;
  getSregs(): Sregs;
  setSregs(sregs: Sregs): void;
  /** KVM_SET_CPUID2 with every leaf /dev/kvm supports. */
  setupCpuid(): void;
  /** KVM_RUN, stopped after timeoutMs (a 'timeout' exit). */
  run(timeoutMs: number): VcpuExit;
  /** Put the data for `exit` (a port-in or MMIO read, of the right size) where the next KVM_RUN reads it. */
  completeIo(exit: VcpuExit, data: Uint8Array): void;
}

/** A guest_memfd's descriptor. */
export interface GuestMemfdBackend extends FileBackend {
  readonly size: bigint;
  readonly flags: bigint;
  /** fstat(2). */
  fstat(): GuestMemfdStat;
  /** fallocate(2). */
  fallocate(mode: number, offset: bigint, len: bigint): Failed<void>;
  /** mmap(2) of the file. */
  mmap(req: MmapRequest): MappingBackend;
  read(length: number): Failed<Uint8Array>;
  write(src: Uint8Array): Failed<number>;
  pread64(length: number, position: bigint): Failed<Uint8Array>;
  pwrite64(src: Uint8Array, position: bigint): Failed<number>;
  lseek(offset: bigint, whence: number): Failed<bigint>;
  ftruncate(length: bigint): Failed<void>;
  fsync(): Failed<void>;
  fchmod(mode: number): Failed<void>;
  // Proposals: present only where a profile or kernel may have them.
  /** The conversion ioctl this file has, if any (the handle offers `conversion` only then). */
  readonly conversion: 'attributes2' | 'convert' | undefined;
  /** KVM_SET_MEMORY_ATTRIBUTES2 (the in-place conversion series). */
  setMemoryAttributes2(words: MemoryAttributes2Words): void;
  /** KVM_GMEM_CONVERT_PRIVATE / _SHARED (RFC v2 of 1G page support). */
  gmemConvert(toPrivate: boolean, words: GmemConvertWords): void;
  /** A long-term pin (as FOLL_LONGTERM get_user_pages holds). */
  readonly pin?: (offset: bigint, length: bigint) => Pin;
  /** The granular-flags proposal's READ/WRITE seals. */
  readonly addSeals?: (flags: bigint) => void;
}

/** A host mapping; offsets are relative to its start and already checked against its length. */
export interface MappingBackend {
  /** A real mapping of this process (see FileBackend.systemResource). */
  readonly systemResource: boolean;
  readonly address: bigint;
  /** The mapped length (whole pages). */
  readonly length: bigint;
  /** Copy out [start, start + out.length); throws KvmError 'SIGBUS' at the first page refused. */
  read(start: bigint, out: Uint8Array): void;
  write(start: bigint, src: Uint8Array): void;
  fill(start: bigint, length: bigint, byte: number): void;
  /** mprotect(2) of the whole mapping. */
  mprotect(prot: number): void;
  /** madvise(2) of the whole mapping (advice checked by requests.ts). */
  madvise(advice: number): void;
  /**
   * mbind(2) of [start, start + length) of the mapping: the mode word (mode | mode flags), the
   * node mask as the kernel reads it (null: no mask) and its maxnode, the MPOL_MF_* flags. The
   * range is inside the mapping (mempolicyRequest.ts); everything else is the kernel's to judge.
   */
  mbind(start: bigint, length: bigint, mode: number, mask: Uint8Array | null, maxnode: bigint, flags: number): void;
  /** get_mempolicy(2) with MPOL_F_ADDR at mapping offset `start`. */
  getMempolicy(start: bigint): MempolicyWords;
  /** get_mempolicy(2) with MPOL_F_NODE | MPOL_F_ADDR at mapping offset `start`: the page's node. */
  pageNode(start: bigint): number;
  /** munmap(2). */
  munmap(): void;
}

/** What get_mempolicy(2) writes: the mode word and the node mask (GET_MEMPOLICY_MASK_BYTES long). */
export interface MempolicyWords {
  mode: number;
  mask: Uint8Array;
}
