/** The GuestMemfd handle of the model: a descriptor for a guest_memfd inode. */
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
} from '../../api.js';
import { accessKind, gmemConvertWords, memoryAttributes2Words } from '../../requests.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../../uapi/flags.js';
import { gmemConvert, pinRange, setMemoryAttributes2 } from './conversion.js';
import { ModelPin } from './pin.js';
import { bufferLength, bytes, u32, u64 } from '../../args.js';
import { mmapRequest } from '../../requests.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE } from '../../uapi/flags.js';
import { PAGE_SIZE } from '../../uapi/memory.js';
import { ModelFdHandle } from '../handle.js';
import { ModelHostMapping } from '../hostMapping.js';
import type { ModelProcess } from '../process.js';
import { gmemFallocate } from './fallocate.js';
import {
  refuseFchmod,
  refuseFsync,
  refuseFtruncate,
  refuseLseek,
  refusePositional,
  refuseRead,
  refuseWrite,
} from './fileOps.js';
import type { GmemInode } from './inode.js';
import { gmemMmap } from './mmap.js';
import { gmemAddSeals, gmemLseek, gmemPread, gmemPwrite, hasIoFlag } from './fileIo.js';

/** S_IFREG | 0600: a regular file only its owner may read and write. */
const GMEM_MODE = 0o100600;

export class ModelGuestMemfd extends ModelFdHandle implements GuestMemfd {
  constructor(
    process: ModelProcess<unknown>,
    readonly inode: GmemInode,
  ) {
    inode.get(); // The descriptor's reference.
    super(process, { kind: 'guest_memfd', inode, put: () => inode.put() });
  }

  get size(): bigint {
    return this.inode.size;
  }

  get flags(): bigint {
    return this.inode.flags;
  }

  stat(): GuestMemfdStat {
    this.ensureOpen('fstat', 'fstat');
    return {
      size: this.inode.size,
      blksize: PAGE_SIZE,
      blocks: 0n,
      mode: GMEM_MODE,
      nlink: 1,
      ino: this.inode.ino,
      // The file belongs to whoever made it: this process.
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    };
  }

  fallocate(mode: number, offset: U64Input, len: U64Input): void {
    const m = u32(mode, 'mode');
    const off = u64(offset, 'offset');
    const l = u64(len, 'len');
    this.ensureOpen('fallocate', 'fallocate');
    gmemFallocate(this.inode, m, off, l);
  }

  allocate(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE, offset, len);
  }

  punchHole(offset: U64Input, len: U64Input): void {
    this.fallocate(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, offset, len);
  }

  mmap(opts?: MmapOptions): HostMapping {
    const req = mmapRequest(opts, this.inode.size);
    this.ensureOpen('mmap', 'mmap');
    const placed = gmemMmap(this.inode, this.process, req);
    return new ModelHostMapping(this.process, this.inode, placed.address, placed.length, req.offset, req.prot);
  }

  setMemoryAttributes2(args: MemoryAttributes2Args): void {
    const a = memoryAttributes2Words(args);
    this.ensureOpen('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES2');
    setMemoryAttributes2(this.inode, a);
  }

  gmemConvert(to: AccessKind, args: GmemConvertArgs): void {
    const kind = accessKind(to);
    const a = gmemConvertWords(args);
    this.ensureOpen('ioctl', kind === 'private' ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED');
    gmemConvert(this.inode, kind === 'private', a);
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
    this.ensureOpen('pin', 'pin');
    const { start, end } = pinRange(this.inode, off, len);
    return new ModelPin(this.inode, start, end);
  }

  private convertTo(kind: AccessKind, offset: U64Input, size: U64Input): void {
    if (this.inode.vm.profile.inPlace?.ioctl === 'convert') this.gmemConvert(kind, { offset, size });
    else this.setMemoryAttributes2({ offset, size, attributes: kind === 'private' ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0n });
  }

  /** The descriptor's file position (read/write/lseek, where a profile offers them). */
  private position = 0n;

  read(length: number): Uint8Array {
    const n = bufferLength(length, 'length');
    this.ensureOpen('read', 'read');
    if (!hasIoFlag(this.inode, 'read')) return refuseRead();
    const out = gmemPread(this.inode, n, this.position, 'read');
    this.position += BigInt(out.length);
    return out;
  }

  write(data: BytesInput): number {
    const src = bytes(data, 'data');
    this.ensureOpen('write', 'write');
    if (!hasIoFlag(this.inode, 'write')) return refuseWrite();
    const n = gmemPwrite(this.inode, src, this.position, 'write');
    this.position += BigInt(n);
    return n;
  }

  pread(length: number, position: U64Input): Uint8Array {
    const n = bufferLength(length, 'length');
    const pos = u64(position, 'position');
    this.ensureOpen('pread64', 'pread64');
    if (!hasIoFlag(this.inode, 'read')) return refusePositional('pread64', pos);
    return gmemPread(this.inode, n, pos);
  }

  pwrite(data: BytesInput, position: U64Input): number {
    const src = bytes(data, 'data');
    const pos = u64(position, 'position');
    this.ensureOpen('pwrite64', 'pwrite64');
    if (!hasIoFlag(this.inode, 'write')) return refusePositional('pwrite64', pos);
    return gmemPwrite(this.inode, src, pos);
  }

  lseek(offset: U64Input, whence: number): bigint {
    const off = u64(offset, 'offset');
    const w = u32(whence, 'whence');
    this.ensureOpen('lseek', 'lseek');
    if (!hasIoFlag(this.inode, 'read') && !hasIoFlag(this.inode, 'write')) return refuseLseek(w);
    return (this.position = gmemLseek(this.inode, this.position, off, w));
  }

  addSeals(flags: U64Input): void {
    const f = u64(flags, 'flags');
    this.ensureOpen('ioctl', 'addSeals');
    gmemAddSeals(this.inode, f);
  }

  ftruncate(length: U64Input): void {
    u64(length, 'length');
    this.ensureOpen('ftruncate', 'ftruncate');
    refuseFtruncate();
  }

  fsync(): void {
    this.ensureOpen('fsync', 'fsync');
    refuseFsync();
  }

  fchmod(mode: number): void {
    u32(mode, 'mode');
    this.ensureOpen('fchmod', 'fchmod');
    refuseFchmod();
  }
}
