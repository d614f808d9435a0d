/**
 * vm.guest on the kernel backend: each access runs the copy program of guestProgram.ts on a
 * vCPU of its own. Its code lives in a memslot that exists only for the duration of the run, at a
 * guest physical range and slot id no caller slot uses, so callers never meet it.
 */
import type { GuestExit, MappingLevel, VcpuExit } from '../api.js';
import { UnsupportedError } from '../errors.js';
import type { GuestAccessRequest } from '../requests.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../uapi/flags.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { encodeMemoryRegion } from './encode.js';
import {
  BOUNCE_OFFSET,
  BOUNCE_SIZE,
  BOUNCE_VA,
  CODE_REGION_SIZE,
  COPY_CODE,
  longModeSregs,
  pageTableEntries,
  windowAddress,
} from './guestProgram.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';
import type { KernelVcpu } from './vcpu.js';

const I = KVM_IOCTLS.byName;
const HUGE = BigInt(CODE_REGION_SIZE);
const RUN_TIMEOUT_MS = 5000;

/** What the access needs from its VM. */
export interface GuestAccessHost {
  readonly native: NativeAddon;
  readonly vmFd: number;
  readonly hasPrivateMem: boolean;
  /** Address-space-0 slots the caller made, by id: [gpa, size). */
  userSlots(): ReadonlyMap<number, { gpa: bigint; size: bigint }>;
  /** A vCPU for the access (made once, kept). */
  helperVcpu(): KernelVcpu;
}

/**
 * Leave no half-done instruction behind after an exit the access does not complete: KVM would
 * finish it on the next KVM_RUN, in the middle of the next access. After an MMIO read the
 * pending iteration of the rep movsb must run (RCX = 1): it consumes the completed read, which
 * KVM would otherwise hand to the next emulated read, and stores a byte in the bounce buffer.
 * After an MMIO write the iteration is already done, so nothing is left (RCX = 0). Either way
 * the program then halts.
 */
function settle(vcpu: KernelVcpu, exit: VcpuExit): void {
  let rcx = exit.reason === 'KVM_EXIT_MMIO' && !exit.isWrite ? 1n : 0n;
  for (let attempt = 0; attempt < 4; attempt++, rcx = 0n) {
    vcpu.setRegs({ ...vcpu.getRegs(), rcx });
    const exit = vcpu.run(RUN_TIMEOUT_MS);
    if (exit.reason === 'KVM_EXIT_HLT') return;
  }
  throw Object.assign(new Error('the guest copy program did not come to a halt after an exit'), { code: 'ERR_GUEST_PROGRAM' });
}

export class KernelGuestAccess {
  private codeRegion: bigint | undefined;

  constructor(private readonly host: GuestAccessHost) {}

  /** Copy req.length bytes between the guest and `buffer`: an exit, or undefined when all was copied. */
  access(req: GuestAccessRequest, buffer: Uint8Array, direction: 'read' | 'write'): GuestExit | undefined {
    // The program's accesses are whatever the hardware makes of them: it cannot choose private
    // or shared on a confidential VM, so an explicit kind is only honoured where it is implied.
    if (req.kind !== undefined && this.host.hasPrivateMem) {
      throw new UnsupportedError('kernel', `guest ${direction}`, 'choosing private or shared accesses needs a guest that sets the C-bit or shared bit itself');
    }
    return this.copyAll(req, buffer, direction);
  }

  mappingLevel(): MappingLevel | null {
    throw new UnsupportedError('kernel', 'mapping level', 'KVM does not tell userspace how it maps a guest page');
  }

  /** Free the code region (the VM is closing). */
  dispose(): void {
    if (this.codeRegion !== undefined) this.host.native.munmap(this.codeRegion, HUGE);
    this.codeRegion = undefined;
  }

  private copyAll(req: GuestAccessRequest, buffer: Uint8Array, direction: 'read' | 'write'): GuestExit | undefined {
    for (let done = 0; done < req.length; done += BOUNCE_SIZE) {
      const n = Math.min(BOUNCE_SIZE, req.length - done);
      const exit = this.copy(req.gpa + BigInt(done), buffer.subarray(done, done + n), direction);
      if (exit) return exit;
    }
    return undefined;
  }

  /** One run of the program over at most BOUNCE_SIZE bytes at `gpa`. */
  private copy(gpa: bigint, chunk: Uint8Array, direction: 'read' | 'write'): GuestExit | undefined {
    const native = this.host.native;
    const code = this.region();
    const { codeGpa, slot } = this.placeCode(gpa, BigInt(chunk.length));
    for (const [offset, entry] of pageTableEntries(codeGpa, gpa)) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, entry, true);
      native.guardedWrite(code + BigInt(offset), b);
    }
    if (direction === 'write') native.guardedWrite(code + BigInt(BOUNCE_OFFSET), chunk);
    this.setSlot(slot, codeGpa, HUGE, code);
    try {
      const vcpu = this.host.helperVcpu();
      vcpu.setSregs({ ...vcpu.getSregs(), ...longModeSregs(codeGpa) }); // Also drops any translation cached from the last run.
      const target = windowAddress(gpa);
      vcpu.setRegs({
        ...vcpu.getRegs(),
        rip: 0n,
        rflags: 2n,
        rsp: BigInt(BOUNCE_OFFSET),
        rcx: BigInt(chunk.length),
        rsi: direction === 'read' ? target : BOUNCE_VA,
        rdi: direction === 'read' ? BOUNCE_VA : target,
      });
      const exit = vcpu.run(RUN_TIMEOUT_MS);
      if (exit.reason !== 'KVM_EXIT_HLT') settle(vcpu, exit);
      switch (exit.reason) {
        case 'KVM_EXIT_HLT':
          if (direction === 'read') native.guardedRead(code + BigInt(BOUNCE_OFFSET), chunk);
          return undefined;
        case 'KVM_EXIT_MMIO':
          return { reason: 'KVM_EXIT_MMIO', gpa: exit.gpa, length: exit.length, isWrite: exit.isWrite };
        case 'KVM_EXIT_MEMORY_FAULT':
          return { reason: 'KVM_EXIT_MEMORY_FAULT', errno: exit.errno, flags: exit.flags, gpa: exit.gpa, size: exit.size };
        default:
          throw Object.assign(new Error(`the guest copy program stopped with ${exit.reason}: ${JSON.stringify(exit, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`), {
            code: 'ERR_GUEST_PROGRAM',
            exit,
          });
      }
    } finally {
      this.setSlot(slot, codeGpa, 0n, code); // Gone again before the caller can see it.
    }
  }

  private region(): bigint {
    if (this.codeRegion === undefined) {
      const native = this.host.native;
      this.codeRegion = check<bigint>(native.mmap(HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n));
      native.guardedWrite(this.codeRegion, COPY_CODE);
    }
    return this.codeRegion;
  }

  /** A 2 MiB-aligned GPA below 64 GiB that no caller slot and not the target use, and a free slot id. */
  private placeCode(gpa: bigint, length: bigint): { codeGpa: bigint; slot: number } {
    const slots = [...this.host.userSlots().entries()];
    // Clear of every caller slot, and of the target bytes themselves: a target with no slot must
    // stay unbacked, or the program would read its own code there instead of exiting MMIO.
    const clashes = (a: bigint, b: bigint) => (a < gpa + length && gpa < b) || slots.some(([, s]) => a < s.gpa + s.size && s.gpa < b);
    let codeGpa: bigint | undefined;
    for (let g = 0x8000_0000n; g < 1n << 36n; g += HUGE) {
      if (!clashes(g, g + HUGE)) {
        codeGpa = g;
        break;
      }
    }
    if (codeGpa === undefined) throw new Error('no free guest physical range for the guest copy program');
    const used = new Set(slots.map(([id]) => id));
    let slot = 32763;
    while (used.has(slot)) slot--;
    return { codeGpa, slot };
  }

  private setSlot(slot: number, gpa: bigint, size: bigint, uaddr: bigint): void {
    const struct = encodeMemoryRegion('KVM_SET_USER_MEMORY_REGION', { slot, flags: 0, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr });
    check(this.host.native.ioctlBuffer(this.host.vmFd, I.KVM_SET_USER_MEMORY_REGION, struct));
  }
}
