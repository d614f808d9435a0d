/** The model's guest_memfd descriptor: each method is one system call on the inode. */
import type { GuestMemfdStat, Pin } from '../../api.js';
import type { Failed, GuestMemfdBackend, MappingBackend } from '../../handles/backend.js';
import type { GmemConvertWords, MemoryAttributes2Words, MmapRequest } from '../../requests.js';
import { PAGE_SIZE } from '../../uapi/memory.js';
import { ModelDescriptor } from '../handle.js';
import { ModelHostMapping } from '../hostMapping.js';
import type { ModelProcess } from '../process.js';
import { gmemConvert, pinRange, setMemoryAttributes2 } from './conversion.js';
import { gmemFallocate } from './fallocate.js';
import { gmemAddSeals, gmemLseek, gmemPread, gmemPwrite, hasIoFlag } from './fileIo.js';
import { refuseFchmod, refuseFsync, refuseFtruncate, refuseLseek, refusePositional, refuseRead, refuseWrite } from './fileOps.js';
import type { GmemInode } from './inode.js';
import { gmemMmap, roomFor } from './mmap.js';
import { ModelPin } from './pin.js';

/** S_IFREG | 0600: a regular file only its owner may read and write. */
const GMEM_MODE = 0o100600;

export class ModelGuestMemfd extends ModelDescriptor implements GuestMemfdBackend {
  /** The descriptor's file position (read/write/lseek, where a profile offers them). */
  private position = 0n;
  readonly conversion: 'attributes2' | 'convert' | undefined;
  /** The granular-flags proposal's seals, on the profiles that have them. */
  readonly addSeals?: (flags: bigint) => void;

  constructor(
    process: ModelProcess<unknown>,
    readonly inode: GmemInode,
  ) {
    inode.get(); // The descriptor's reference.
    super(process, { kind: 'guest_memfd', inode, put: () => inode.put() });
    // Where the series is built in but switched off, its ioctl still exists and answers ENOTTY,
    // as on the kernel backend (which then issues it too).
    const profile = inode.vm.profile;
    this.conversion = profile.inPlace?.ioctl ?? (profile.gmemInPlaceConversion !== undefined ? 'attributes2' : undefined);
    if (inode.vm.profile.seals) this.addSeals = (flags) => gmemAddSeals(inode, flags);
  }

  get size(): bigint {
    return this.inode.size;
  }

  get flags(): bigint {
    return this.inode.flags;
  }

  fstat(): GuestMemfdStat {
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

  fallocate(mode: number, offset: bigint, len: bigint): Failed<void> {
    return gmemFallocate(this.inode, mode, offset, len);
  }

  mmap(req: MmapRequest): MappingBackend {
    const placed = gmemMmap(this.inode, this.process, req);
    return new ModelHostMapping(this.process, this.inode, placed.address, placed.length, req.offset, req.prot);
  }

  setMemoryAttributes2(words: MemoryAttributes2Words): void {
    setMemoryAttributes2(this.inode, words);
  }

  gmemConvert(toPrivate: boolean, words: GmemConvertWords): void {
    gmemConvert(this.inode, toPrivate, words);
  }

  /**
   * A long-term pin: the model holds its pages as FOLL_LONGTERM get_user_pages would. The pages
   * are reached through a mapping of the range (so the kernel backend pins through gup_test), so
   * a range no mapping can hold is mmap's ENOMEM before anything else is asked.
   */
  readonly pin = (offset: bigint, length: bigint): Pin => {
    roomFor(this.process, length);
    const { start, end } = pinRange(this.inode, offset, length);
    return new ModelPin(this.inode, start, end);
  };

  read(length: number): Failed<Uint8Array> {
    if (!hasIoFlag(this.inode, 'read')) return refuseRead();
    const out = gmemPread(this.inode, length, this.position);
    this.position += BigInt(out.length);
    return out;
  }

  write(src: Uint8Array): Failed<number> {
    if (!hasIoFlag(this.inode, 'write')) return refuseWrite();
    const n = gmemPwrite(this.inode, src, this.position);
    this.position += BigInt(n);
    return n;
  }

  pread64(length: number, position: bigint): Failed<Uint8Array> {
    if (!hasIoFlag(this.inode, 'read')) return refusePositional(position);
    return gmemPread(this.inode, length, position);
  }

  pwrite64(src: Uint8Array, position: bigint): Failed<number> {
    if (!hasIoFlag(this.inode, 'write')) return refusePositional(position);
    return gmemPwrite(this.inode, src, position);
  }

  lseek(offset: bigint, whence: number): Failed<bigint> {
    if (!hasIoFlag(this.inode, 'read') && !hasIoFlag(this.inode, 'write')) return refuseLseek(whence);
    return (this.position = gmemLseek(this.inode, this.position, offset, whence));
  }

  ftruncate(): Failed<void> {
    return refuseFtruncate();
  }

  fsync(): Failed<void> {
    return refuseFsync();
  }

  fchmod(): Failed<void> {
    return refuseFchmod();
  }
}
