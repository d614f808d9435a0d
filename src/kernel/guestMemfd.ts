/** A guest_memfd on the kernel backend: each method is the real system call on the real file. */
import type { GuestMemfdStat, Pin } from '../api.js';
import { errnoFromNumber } from '../errors.js';
import type { Failed, GuestMemfdBackend, MappingBackend } from '../handles/backend.js';
import type { GmemConvertWords, MemoryAttributes2Words, MmapRequest } from '../requests.js';
import { pageRoundUp } from '../uapi/memory.js';
import { ERROR_OFFSET_ERRNOS, PROPOSED_IOCTLS, PROPOSED_STRUCT_SIZES, kvm_gmem_convert, kvm_memory_attributes2 } from '../uapi/proposals.js';
import { KernelDescriptor } from './descriptor.js';
import { encodeStruct } from './encode.js';
import type { GupTestPins, KernelPin } from './gupPins.js';
import { KernelHostMapping } from './hostMapping.js';
import type { NativeAddon } from './native.js';
import type { VmHold } from './vmHold.js';
import { check, failure, result } from './sys.js';

export class KernelGuestMemfd extends KernelDescriptor implements GuestMemfdBackend {
  /**
   * KVM_SET_MEMORY_ATTRIBUTES2 wherever the kernel has the in-place series (its capability at
   * system scope, or its module parameter), whatever this file's VM answers: the kernel decides
   * (a DEFAULT VM's file: EINVAL; the parameter off: ENOTTY). On a kernel without the series
   * the handle offers no conversion, as the proposed number may mean something else there.
   */
  readonly conversion: 'attributes2' | undefined;

  constructor(
    native: NativeAddon,
    fd: number,
    readonly size: bigint,
    readonly flags: bigint,
    /** Whether the kernel has the in-place series (see `conversion`). */
    inPlaceSeries: boolean,
    /** The file and each of its mappings keep the VM alive: counted there (see KernelVm.close). */
    private readonly vmHold: VmHold,
    private readonly gupPins: GupTestPins,
  ) {
    super(native, fd);
    this.conversion = inPlaceSeries ? 'attributes2' : undefined;
    vmHold.get();
  }

  /** Pins this file took and has not released: closing the file releases them (no pin outlives it). */
  private readonly livePins = new Set<KernelPin>();

  /** A long-term pin through gup_test where the kernel offers it; UnsupportedError saying why elsewhere. */
  readonly pin = (offset: bigint, length: bigint): Pin => {
    const pin = this.gupPins.pin(this.fd, offset, length, (p) => this.livePins.delete(p));
    this.livePins.add(pin);
    return pin;
  };

  override close(): void {
    // No pin outlives its file, and the file's hold on the VM goes last.
    for (const pin of [...this.livePins]) pin.release();
    super.close();
    this.vmHold.put();
  }

  setMemoryAttributes2(a: MemoryAttributes2Words): void {
    const struct = encodeStruct(kvm_memory_attributes2, PROPOSED_STRUCT_SIZES.kvm_memory_attributes2, {
      offset: a.offset,
      size: a.size,
      attributes: a.attributes,
      flags: a.flags,
      error_offset: a.errorOffset,
      reserved: a.reserved,
    });
    this.ioctlWithErrorOffset(PROPOSED_IOCTLS.byName.KVM_SET_MEMORY_ATTRIBUTES2, struct, kvm_memory_attributes2.error_offset.offset);
  }

  gmemConvert(toPrivate: boolean, a: GmemConvertWords): void {
    const op = toPrivate ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED';
    const struct = encodeStruct(kvm_gmem_convert, PROPOSED_STRUCT_SIZES.kvm_gmem_convert, {
      offset: a.offset,
      size: a.size,
      error_offset: a.errorOffset,
      reserved: a.reserved,
    });
    this.ioctlWithErrorOffset(PROPOSED_IOCTLS.byName[op], struct, kvm_gmem_convert.error_offset.offset);
  }

  /**
   * A conversion ioctl: the kernel's answer as it is. error_offset is read back only after the
   * errnos for which the kernel writes it; after any other the field still holds the caller's
   * value, which says nothing about the kernel.
   */
  private ioctlWithErrorOffset(request: number, struct: Uint8Array, errorOffsetAt: number): void {
    const r = this.native.ioctlBuffer(this.fd, request, struct);
    if (r >= 0) return;
    const failure = errnoFromNumber(-r);
    if (!ERROR_OFFSET_ERRNOS.has(failure.code)) throw failure;
    throw errnoFromNumber(-r, { errorOffset: new DataView(struct.buffer, struct.byteOffset).getBigUint64(errorOffsetAt, true) });
  }

  fstat(): GuestMemfdStat {
    return check<GuestMemfdStat>(this.native.fstat(this.fd));
  }

  fallocate(mode: number, offset: bigint, len: bigint): Failed<void> {
    return failure(this.native.fallocate(this.fd, mode | 0, offset, len));
  }

  mmap(req: MmapRequest): MappingBackend {
    const address = check<bigint>(this.native.mmap(req.length, req.prot, req.flags, this.fd, req.offset));
    return new KernelHostMapping(this.native, address, pageRoundUp(req.length), req.offset, this.vmHold);
  }

  read(length: number): Failed<Uint8Array> {
    return result<Uint8Array>(this.native.read(this.fd, length));
  }

  write(src: Uint8Array): Failed<number> {
    return result(this.native.write(this.fd, src));
  }

  pread64(length: number, position: bigint): Failed<Uint8Array> {
    return result<Uint8Array>(this.native.pread(this.fd, length, position));
  }

  pwrite64(src: Uint8Array, position: bigint): Failed<number> {
    return result(this.native.pwrite(this.fd, src, position));
  }

  lseek(offset: bigint, whence: number): Failed<bigint> {
    return result<bigint>(this.native.lseek(this.fd, offset, whence | 0));
  }

  ftruncate(length: bigint): Failed<void> {
    return failure(this.native.ftruncate(this.fd, length));
  }

  fsync(): Failed<void> {
    return failure(this.native.fsync(this.fd));
  }

  fchmod(mode: number): Failed<void> {
    return failure(this.native.fchmod(this.fd, mode));
  }
}
