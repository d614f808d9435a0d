/** The public guest_memfd handle. */
import type {
  AccessKind,
  BytesInput,
  Features,
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
import { UnsupportedError } from '../errors.js';
import { accessKind, gmemConvertWords, memoryAttributes2Words, mmapRequest } from '../requests.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi/flags.js';
import type { GuestMemfdBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';
import { HostMappingHandle } from './hostMapping.js';

export class GuestMemfdHandle extends FdHandleBase<GuestMemfdBackend> implements GuestMemfd {
  readonly size: bigint;
  readonly flags: bigint;
  readonly #features: Features;
  readonly #table: object;

  constructor(backend: GuestMemfdBackend, features: Features) {
    super(backend);
    this.size = backend.size;
    this.flags = backend.flags;
    this.#features = features;
    this.#table = backend.table;
  }

  stat(): GuestMemfdStat {
    return this.open('fstat', 'fstat').fstat();
  }

  fallocate(mode: number, offset: U64Input, len: U64Input): void {
    const m = u32(mode, 'mode');
    const off = u64(offset, 'offset');
    const l = u64(len, 'len');
    this.open('fallocate', 'fallocate').fallocate(m, off, l);
  }

  allocate(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE, offset, len);
  }

  punchHole(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, len);
  }

  mmap(opts?: MmapOptions): HostMapping {
    const req = mmapRequest(opts, this.size);
    return new HostMappingHandle(this.open('mmap', 'mmap').mmap(req), req.offset, req.prot, this.#table);
  }

  setMemoryAttributes2(args: MemoryAttributes2Args): void {
    const words = memoryAttributes2Words(args);
    const file = this.open('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES2');
    if (!file.setMemoryAttributes2) throw this.unsupported('KVM_SET_MEMORY_ATTRIBUTES2', 'no in-place conversion');
    file.setMemoryAttributes2(words);
  }

  gmemConvert(to: AccessKind, args: GmemConvertArgs): void {
    const kind = accessKind(to);
    const words = gmemConvertWords(args);
    const operation = kind === 'private' ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED';
    const file = this.open('ioctl', operation);
    if (!file.gmemConvert) throw this.unsupported(operation, 'no KVM_GMEM_CONVERT ioctls');
    file.gmemConvert(kind === 'private', words);
  }

  convertToPrivate(offset: U64Input, size: U64Input): void {
    this.convertTo('private', offset, size);
  }

  convertToShared(offset: U64Input, size: U64Input): void {
    this.convertTo('shared', offset, size);
  }

  pin(offset: U64Input, length: U64Input): Pin {
    const off = u64(offset, 'offset');
    const len = u64(length, 'length');
    const file = this.open('pin', 'pin');
    if (!file.pin) throw this.unsupported('pin', 'long-term pins need a DMA-capable path (VFIO, io_uring fixed buffers), which this backend does not offer yet');
    return file.pin(off, len);
  }

  addSeals(flags: U64Input): void {
    const f = u64(flags, 'flags');
    const file = this.open('ioctl', 'addSeals');
    if (!file.addSeals) throw this.unsupported('addSeals', 'no kernel implements the granular READ/WRITE seals (a proposal)');
    file.addSeals(f);
  }

  read(length: number): Uint8Array {
    const n = bufferLength(length, 'length');
    return this.open('read', 'read').read(n);
  }

  write(data: BytesInput): number {
    const src = bytes(data, 'data');
    return this.open('write', 'write').write(src);
  }

  pread(length: number, position: U64Input): Uint8Array {
    const n = bufferLength(length, 'length');
    const pos = u64(position, 'position');
    return this.open('pread64', 'pread64').pread64(n, pos);
  }

  pwrite(data: BytesInput, position: U64Input): number {
    const src = bytes(data, 'data');
    const pos = u64(position, 'position');
    return this.open('pwrite64', 'pwrite64').pwrite64(src, pos);
  }

  lseek(offset: U64Input, whence: number): bigint {
    const off = u64(offset, 'offset');
    const w = u32(whence, 'whence');
    return this.open('lseek', 'lseek').lseek(off, w);
  }

  ftruncate(length: U64Input): void {
    const len = u64(length, 'length');
    this.open('ftruncate', 'ftruncate').ftruncate(len);
  }

  fsync(): void {
    this.open('fsync', 'fsync').fsync();
  }

  fchmod(mode: number): void {
    const m = u32(mode, 'mode');
    this.open('fchmod', 'fchmod').fchmod(m);
  }

  /** Convert with whichever conversion ioctl this kernel or profile has. */
  private convertTo(kind: AccessKind, offset: U64Input, size: U64Input): void {
    if (this.#features.conversion === 'convert') this.gmemConvert(kind, { offset, size });
    else this.setMemoryAttributes2({ offset, size, attributes: kind === 'private' ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0n });
  }

  private unsupported(operation: string, reason: string): UnsupportedError {
    return new UnsupportedError(this.#features.backend, operation, reason);
  }
}
