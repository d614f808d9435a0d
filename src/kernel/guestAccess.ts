/**
 * vm.guest on the kernel backend: each access runs the copy program of guestProgram.ts on a
 * vCPU of its own. Its code lives in a memslot at a guest physical range and slot id no caller
 * slot uses. The slot stays installed between accesses (adding and deleting a memslot costs
 * 0.7-1.8 ms each on a kvm_pvm host, ten times the run itself), but never where a caller could
 * meet it: it is deleted before a caller's memslot ioctl that names its id or overlaps its range,
 * before any run of a caller's vCPU, and when the VM closes.
 */
import type { GuestExit, MappingLevel, VcpuExit } from '../api.js';
import { UnsupportedError } from '../errors.js';
import type { GuestAccessRequest } from '../requests.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../uapi/flags.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import { PAGE_SIZE, PAGE_SIZE_N } from '../uapi/memory.js';
import { encodeMemoryRegion } from './encode.js';
import {
  BOUNCE_OFFSET,
  BOUNCE_SIZE,
  BOUNCE_VA,
  CODE_REGION_SIZE,
  COPY_CODE,
  GuestPageTables,
  longModeSregs,
  type TableEntry,
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
  /** The code's memslot while it is installed, and the page tables written since. */
  private installed: { slot: number; codeGpa: bigint; tables: GuestPageTables } | undefined;
  /** How much of the region the last installation's tables used (cleared before the next). */
  private tablesUsed = 0;

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

  /**
   * A caller's memslot ioctl is about to be issued: the code's memslot goes first if the caller
   * names its id or a range over it (KVM would answer for it), otherwise it stays.
   */
  beforeCallerSlot(slot: number, gpa: bigint, size: bigint): void {
    const i = this.installed;
    if (!i || slot >>> 16 !== 0) return; // Another address space: no clash.
    if ((slot & 0xffff) === i.slot || (gpa < i.codeGpa + HUGE && i.codeGpa < gpa + size)) this.retire();
  }

  /** Delete the code's memslot, if installed: the caller is about to do something that could see it. */
  retire(): void {
    if (this.installed === undefined || this.codeRegion === undefined) return;
    const { slot, codeGpa } = this.installed;
    this.installed = undefined;
    this.setSlot(slot, codeGpa, 0n, this.codeRegion);
  }

  /**
   * Free the code's memory: the VM is closing. If it outlives its descriptor (`vmOutlivesFd`),
   * the memslot is deleted first; otherwise it dies with the VM, which costs nothing.
   */
  dispose(vmOutlivesFd: boolean): void {
    if (vmOutlivesFd) this.retire();
    this.installed = undefined;
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
    let tables = this.install(gpa, BigInt(chunk.length));
    let window = tables.window(gpa);
    if (!window) {
      this.retire(); // Every window is taken: start again with empty tables.
      tables = this.install(gpa, BigInt(chunk.length));
      window = tables.window(gpa)!;
    }
    this.writeEntries(tables, window.entries);
    if (direction === 'write') native.guardedWrite(code + BigInt(BOUNCE_OFFSET), chunk);
    const codeGpa = this.installed!.codeGpa;
    const vcpu = this.host.helperVcpu();
    vcpu.setSregs({ ...vcpu.getSregs(), ...longModeSregs(codeGpa) });
    const target = window.va;
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
  }

  private region(): bigint {
    if (this.codeRegion === undefined) {
      const native = this.host.native;
      this.codeRegion = check<bigint>(native.mmap(HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n));
      this.tablesUsed = 0;
      native.guardedWrite(this.codeRegion, COPY_CODE);
    }
    return this.codeRegion;
  }

  /**
   * The code's memslot installed where the target [gpa, gpa + length) is not: the one already
   * installed if it is clear, else a new one with empty page tables. Its tables.
   */
  private install(gpa: bigint, length: bigint): GuestPageTables {
    const { codeGpa, slot } = this.placeCode(gpa, length);
    if (this.installed?.codeGpa === codeGpa && this.installed.slot === slot) return this.installed.tables;
    this.retire();
    const code = this.region();
    // The slot is gone, and with it every translation KVM made through the old tables.
    if (this.tablesUsed > PAGE_SIZE) this.host.native.guardedWrite(code + PAGE_SIZE_N, new Uint8Array(this.tablesUsed - PAGE_SIZE));
    this.tablesUsed = 0;
    const tables = new GuestPageTables(codeGpa);
    this.writeEntries(tables, tables.initialEntries());
    this.setSlot(slot, codeGpa, HUGE, code);
    this.installed = { slot, codeGpa, tables };
    return tables;
  }

  private writeEntries(tables: GuestPageTables, entries: TableEntry[]): void {
    const code = this.region();
    for (const [offset, entry] of entries) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, entry, true);
      this.host.native.guardedWrite(code + BigInt(offset), b);
    }
    this.tablesUsed = Math.max(this.tablesUsed, tables.usedBytes);
  }

  /**
   * A 2 MiB-aligned GPA below 64 GiB that no caller slot and not the target use, and a free slot
   * id: the installed ones while they still are.
   */
  private placeCode(gpa: bigint, length: bigint): { codeGpa: bigint; slot: number } {
    const slots = [...this.host.userSlots().entries()];
    // Clear of every caller slot, and of the target bytes themselves: a target with no slot must
    // stay unbacked, or the program would read its own code there instead of exiting MMIO.
    const clashes = (a: bigint, b: bigint) => (a < gpa + length && gpa < b) || slots.some(([, s]) => a < s.gpa + s.size && s.gpa < b);
    const used = new Set(slots.map(([id]) => id));
    const here = this.installed;
    if (here && !clashes(here.codeGpa, here.codeGpa + HUGE) && !used.has(here.slot)) return { codeGpa: here.codeGpa, slot: here.slot };
    let codeGpa: bigint | undefined;
    for (let g = 0x8000_0000n; g < 1n << 36n; g += HUGE) {
      if (!clashes(g, g + HUGE)) {
        codeGpa = g;
        break;
      }
    }
    if (codeGpa === undefined) throw new Error('no free guest physical range for the guest copy program');
    let slot = 32763;
    while (used.has(slot)) slot--;
    return { codeGpa, slot };
  }

  private setSlot(slot: number, gpa: bigint, size: bigint, uaddr: bigint): void {
    const struct = encodeMemoryRegion('KVM_SET_USER_MEMORY_REGION', { slot, flags: 0, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr });
    check(this.host.native.ioctlBuffer(this.host.vmFd, I.KVM_SET_USER_MEMORY_REGION, struct));
  }
}
