/** A guest_memfd on the kernel backend: each call is the real system call on the real file. */
import type { BytesInput, GuestMemfd, GuestMemfdStat, HostMapping, MmapOptions, U64Input } from '../api.js';
import { bufferLength, bytes, u32, u64 } from '../args.js';
import { mmapRequest } from '../requests.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from '../uapi/flags.js';
import { PAGE_SIZE_N, U64_MAX } from '../uapi/memory.js';
import { KernelFdHandle } from './handle.js';
import { KernelHostMapping } from './hostMapping.js';
import type { NativeAddon, NativeStat } from './native.js';
import { check } from './sys.js';

export class KernelGuestMemfd extends KernelFdHandle implements GuestMemfd {
  constructor(native: NativeAddon, fd: number, readonly size: bigint, readonly flags: bigint) {
    super(native, fd);
  }

  stat(): GuestMemfdStat {
    this.ensureOpen('fstat', 'fstat');
    const st = check<NativeStat>(this.native.fstat(this.fd), 'fstat', 'fstat');
    return { size: st.size, blksize: st.blksize, blocks: st.blocks, mode: st.mode, nlink: st.nlink, ino: st.ino, uid: st.uid, gid: st.gid };
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
    const rounded = (req.length + PAGE_SIZE_N - 1n) & ~(PAGE_SIZE_N - 1n) & U64_MAX;
    return new KernelHostMapping(this.native, address, rounded, req.offset, req.prot);
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
