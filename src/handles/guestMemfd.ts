/** The public guest_memfd handle. */
import type { BytesInput, GranularSeals, GuestMemfd, GuestMemfdStat, HostMapping, InPlaceConversion, LongTermPins, MmapOptions, U64Input } from '../api.js';
import { bufferLength, bytes, u32, u64 } from '../args.js';
import { mmapRequest } from '../requests.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from '../uapi/flags.js';
import type { GuestMemfdBackend } from './backend.js';
import { FdHandleBase } from './fdHandle.js';
import { HostMappingHandle } from './hostMapping.js';
import { ConversionPart, PinsPart, SealsPart, type Sys } from './proposals.js';

export class GuestMemfdHandle extends FdHandleBase<GuestMemfdBackend> implements GuestMemfd {
  readonly size: bigint;
  readonly flags: bigint;
  readonly conversion: InPlaceConversion | undefined;
  readonly pins: LongTermPins | undefined;
  readonly seals: GranularSeals | undefined;
  readonly #table: object;

  constructor(backend: GuestMemfdBackend) {
    super(backend);
    this.size = backend.size;
    this.flags = backend.flags;
    this.#table = backend.table;
    const sys: Sys = (syscall, operation, call) => this.sys(syscall, operation, call);
    this.conversion = backend.conversion ? new ConversionPart(backend.conversion, sys) : undefined;
    this.pins = backend.pin ? new PinsPart(sys, backend.size) : undefined;
    this.seals = backend.addSeals ? new SealsPart(sys) : undefined;
  }

  stat(): GuestMemfdStat {
    return this.sys('fstat', 'fstat', (b) => b.fstat());
  }

  fallocate(mode: number, offset: U64Input, len: U64Input): void {
    const m = u32(mode, 'mode');
    const off = u64(offset, 'offset');
    const l = u64(len, 'len');
    this.sys('fallocate', 'fallocate', (b) => b.fallocate(m, off, l));
  }

  allocate(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE, offset, len);
  }

  punchHole(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, len);
  }

  mmap(opts?: MmapOptions): HostMapping {
    const req = mmapRequest(opts, this.size);
    return new HostMappingHandle(this.sys('mmap', 'mmap', (b) => b.mmap(req)), req.offset, req.prot, this.#table);
  }

  read(length: number): Uint8Array {
    const n = bufferLength(length, 'length');
    return this.sys('read', 'read', (b) => b.read(n));
  }

  write(data: BytesInput): number {
    const src = bytes(data, 'data');
    return this.sys('write', 'write', (b) => b.write(src));
  }

  pread(length: number, position: U64Input): Uint8Array {
    const n = bufferLength(length, 'length');
    const pos = u64(position, 'position');
    return this.sys('pread64', 'pread64', (b) => b.pread64(n, pos));
  }

  pwrite(data: BytesInput, position: U64Input): number {
    const src = bytes(data, 'data');
    const pos = u64(position, 'position');
    return this.sys('pwrite64', 'pwrite64', (b) => b.pwrite64(src, pos));
  }

  lseek(offset: U64Input, whence: number): bigint {
    const off = u64(offset, 'offset');
    const w = u32(whence, 'whence');
    return this.sys('lseek', 'lseek', (b) => b.lseek(off, w));
  }

  ftruncate(length: U64Input): void {
    const len = u64(length, 'length');
    this.sys('ftruncate', 'ftruncate', (b) => b.ftruncate(len));
  }

  fsync(): void {
    this.sys('fsync', 'fsync', (b) => b.fsync());
  }

  fchmod(mode: number): void {
    const m = u32(mode, 'mode');
    this.sys('fchmod', 'fchmod', (b) => b.fchmod(m));
  }
}
