/**
 * The optional parts of a guest_memfd handle: calls that exist only in proposals (in-place
 * conversion, long-term pins, granular seals). A file offers a part only where its backend has
 * it, so the core GuestMemfd is what a released kernel has and nothing in it is a stub.
 */
import type { AccessKind, GmemConvertArgs, GranularSeals, InPlaceConversion, LongTermPins, MemoryAttributes2Args, Pin, U64Input } from '../api.js';
import { u64 } from '../args.js';
import { Errno } from '../errors.js';
import { accessKind, gmemConvertWords, memoryAttributes2Words } from '../requests.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi/flags.js';
import { isPageAligned } from '../uapi/memory.js';
import type { GuestMemfdBackend } from './backend.js';

/** The file's backend call for an operation: EBADF when the file was closed, failures named. */
export type Sys = <T>(syscall: string, operation: string, call: (backend: GuestMemfdBackend) => T) => T;

export class ConversionPart implements InPlaceConversion {
  constructor(
    readonly ioctl: 'attributes2' | 'convert',
    private readonly sys: Sys,
  ) {}

  toPrivate(offset: U64Input, size: U64Input): void {
    this.convert('private', offset, size);
  }

  toShared(offset: U64Input, size: U64Input): void {
    this.convert('shared', offset, size);
  }

  setMemoryAttributes2(args: MemoryAttributes2Args): void {
    const words = memoryAttributes2Words(args);
    this.sys('ioctl', 'KVM_SET_MEMORY_ATTRIBUTES2', (b) => b.setMemoryAttributes2(words));
  }

  gmemConvert(to: AccessKind, args: GmemConvertArgs): void {
    const kind = accessKind(to);
    const words = gmemConvertWords(args);
    this.sys('ioctl', kind === 'private' ? 'KVM_GMEM_CONVERT_PRIVATE' : 'KVM_GMEM_CONVERT_SHARED', (b) => b.gmemConvert(kind === 'private', words));
  }

  private convert(kind: AccessKind, offset: U64Input, size: U64Input): void {
    if (this.ioctl === 'convert') this.gmemConvert(kind, { offset, size });
    else this.setMemoryAttributes2({ offset, size, attributes: kind === 'private' ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0n });
  }
}

export class PinsPart implements LongTermPins {
  constructor(
    private readonly sys: Sys,
    private readonly fileSize: bigint,
  ) {}

  /**
   * The range rule is the API's, the same on every backend (the kernel backend pins through a
   * mapping, whose own refusals would otherwise leak through): page aligned, not empty, inside
   * the file, else EINVAL before either backend is asked. What is left is the backend's: a file
   * that cannot be mapped, a page the host cannot reach (private).
   */
  pin(offset: U64Input, length: U64Input): Pin {
    const off = u64(offset, 'offset');
    const len = u64(length, 'length');
    return this.sys('pin', 'pin', (b) => {
      if (len === 0n || !isPageAligned(off) || !isPageAligned(len)) throw new Errno('EINVAL', { reason: 'offset and length must be page aligned and length not 0' });
      if (off > this.fileSize || len > this.fileSize - off) throw new Errno('EINVAL', { reason: `[0x${off.toString(16)}, 0x${(off + len).toString(16)}) is not inside the file` });
      return b.pin!(off, len);
    });
  }
}

export class SealsPart implements GranularSeals {
  constructor(private readonly sys: Sys) {}

  addSeals(flags: U64Input): void {
    const f = u64(flags, 'flags');
    this.sys('ioctl', 'addSeals', (b) => b.addSeals!(f));
  }
}
