/** A guest_memfd on the kernel backend: each call is the real system call on the real file. */
import type {
  AccessKind,
  BytesInput,
  GmemConvertArgs,
  GuestMemfd,
  GuestMemfdStat,
  HostMapping,
  MemoryAttributes2Args,
  MmapOptions,
  Pin,
  U64Input,
} from '../api.js';
import { bufferLength, bytes, u32, u64 } from '../args.js';
import { KvmError, UnsupportedError, errorFromErrno } from '../errors.js';
import { accessKind, gmemConvertWords, memoryAttributes2Words, mmapRequest } from '../requests.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi/flags.js';
import { PROPOSED_IOCTLS, PROPOSED_STRUCT_SIZES, kvm_gmem_convert, kvm_memory_attributes2 } from '../uapi/proposals.js';
import { encodeStruct } from './encode.js';
import { pageRoundUp } from '../uapi/memory.js';
import { KernelFdHandle } from './handle.js';
import { KernelHostMapping } from './hostMapping.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

export class KernelGuestMemfd extends KernelFdHandle implements GuestMemfd {
  constructor(
    native: NativeAddon,
    fd: number,
    readonly size: bigint,
    readonly flags: bigint,
    /** What the VM answered for the in-place capability when the file was made (0: none). */
    private readonly inPlace: { capability: number; attributes: number },
  ) {
    super(native, fd);
  }

  setMemoryAttributes2(args: MemoryAttributes2Args): void {
    const a = memoryAttributes2Words(args);
    const op = 'KVM_SET_MEMORY_ATTRIBUTES2';
    this.ensureOpen('ioctl', op);
    if (this.inPlace.attributes === 0) {
      throw new KvmError('ENOTTY', {
        syscall: 'ioctl',
        operation: op,
        reason: `this kernel has no in-place conversion (KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES, capability ${this.inPlace.capability}, answers 0)`,
      });
    }
    const struct = encodeStruct(kvm_memory_attributes2, PROPOSED_STRUCT_SIZES.kvm_memory_attributes2, { ...a });
    this.ioctlWithErrorOffset(op, PROPOSED_IOCTLS.byName.KVM_SET_MEMORY_ATTRIBUTES2, struct, kvm_memory_attributes2.error_offset.offset);
  }

  gmemConvert(to: AccessKind, args: GmemConvertArgs): void {
    const kind = accessKind(to);
    const a = gmemConvertWords(args);
    const op = kind === 'private' ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED';
    this.ensureOpen('ioctl', op);
    const struct = encodeStruct(kvm_gmem_convert, PROPOSED_STRUCT_SIZES.kvm_gmem_convert, {
      offset: a.offset,
      size: a.size,
      error_offset: a.errorOffset,
      reserved: a.reserved,
    });
    this.ioctlWithErrorOffset(op, PROPOSED_IOCTLS.byName[op], struct, kvm_gmem_convert.error_offset.offset);
  }

  convertToPrivate(offset: U64Input, size: U64Input): void {
    this.setMemoryAttributes2({ offset, size, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE });
  }

  convertToShared(offset: U64Input, size: U64Input): void {
    this.setMemoryAttributes2({ offset, size, attributes: 0n });
  }

  pin(offset: U64Input, length: U64Input): Pin {
    u64(offset, 'offset');
    u64(length, 'length');
    this.ensureOpen('pin', 'pin');
    throw new UnsupportedError('kernel', 'pin', 'long-term pins need a DMA-capable path (VFIO, io_uring fixed buffers), which this backend does not offer yet');
  }

  addSeals(flags: U64Input): void {
    u64(flags, 'flags');
    this.ensureOpen('addSeals', 'addSeals');
    throw new UnsupportedError('kernel', 'addSeals', 'no kernel implements the granular READ/WRITE seals (a proposal)');
  }

  /** An ioctl whose struct the kernel copies back on failure, with the offset it stopped at. */
  private ioctlWithErrorOffset(operation: string, request: number, struct: Uint8Array, errorOffsetAt: number): void {
    const r = this.native.ioctlBuffer(this.fd, request, struct);
    if (r >= 0) return;
    const errorOffset = new DataView(struct.buffer).getBigUint64(errorOffsetAt, true);
    throw errorFromErrno(-r, { syscall: 'ioctl', operation, errorOffset });
  }

  stat(): GuestMemfdStat {
    this.ensureOpen('fstat', 'fstat');
    return check<GuestMemfdStat>(this.native.fstat(this.fd), 'fstat', 'fstat');
  }

  fallocate(mode: number, offset: U64Input, len: U64Input): void {
    const m = u32(mode, 'mode');
    const off = u64(offset, 'offset');
    const l = u64(len, 'len');
    this.ensureOpen('fallocate', 'fallocate');
    check(this.native.fallocate(this.fd, m | 0, off, l), 'fallocate', 'fallocate');
  }

  allocate(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE, offset, len);
  }

  punchHole(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, len);
  }

  mmap(opts?: MmapOptions): HostMapping {
    const req = mmapRequest(opts, this.size);
    this.ensureOpen('mmap', 'mmap');
    const address = check<bigint>(this.native.mmap(req.length, req.prot, req.flags, this.fd, req.offset), 'mmap', 'mmap');
    return new KernelHostMapping(this.native, address, pageRoundUp(req.length), req.offset, req.prot);
  }

  read(length: number): Uint8Array {
    const n = bufferLength(length, 'length');
    this.ensureOpen('read', 'read');
    return check<Uint8Array>(this.native.read(this.fd, n), 'read', 'read');
  }

  write(data: BytesInput): number {
    const src = bytes(data, 'data');
    this.ensureOpen('write', 'write');
    return check(this.native.write(this.fd, src), 'write', 'write');
  }

  pread(length: number, position: U64Input): Uint8Array {
    const n = bufferLength(length, 'length');
    const pos = u64(position, 'position');
    this.ensureOpen('pread64', 'pread64');
    return check<Uint8Array>(this.native.pread(this.fd, n, pos), 'pread64', 'pread64');
  }

  pwrite(data: BytesInput, position: U64Input): number {
    const src = bytes(data, 'data');
    const pos = u64(position, 'position');
    this.ensureOpen('pwrite64', 'pwrite64');
    return check(this.native.pwrite(this.fd, src, pos), 'pwrite64', 'pwrite64');
  }

  lseek(offset: U64Input, whence: number): bigint {
    const off = u64(offset, 'offset');
    const w = u32(whence, 'whence');
    this.ensureOpen('lseek', 'lseek');
    return check<bigint>(this.native.lseek(this.fd, off, w | 0), 'lseek', 'lseek');
  }

  ftruncate(length: U64Input): void {
    const len = u64(length, 'length');
    this.ensureOpen('ftruncate', 'ftruncate');
    check(this.native.ftruncate(this.fd, len), 'ftruncate', 'ftruncate');
  }

  fsync(): void {
    this.ensureOpen('fsync', 'fsync');
    check(this.native.fsync(this.fd), 'fsync', 'fsync');
  }

  fchmod(mode: number): void {
    const m = u32(mode, 'mode');
    this.ensureOpen('fchmod', 'fchmod');
    check(this.native.fchmod(this.fd, m), 'fchmod', 'fchmod');
  }
}
