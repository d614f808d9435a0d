/**
 * The guest program behind vm.guest on the kernel backend: a few bytes of 64-bit code that copy
 * between guest physical memory and a bounce buffer, run in long mode with 2 MiB pages.
 *
 * Layout of the 2 MiB code region (its own memslot, host anonymous memory):
 *   0x000000  code: cld; rep movsb; hlt
 *   0x001000  PML4        0x002000  PDPT
 *   0x003000  page directories, one per GiB of virtual addresses (up to 253)
 *   0x100000  bounce buffer (1 MiB)
 * VA 0 maps this region itself; each VA 2 MiB page after it is a window onto a target's 2 MiB
 * page (two windows per target page, so a copy may run over into the next page).
 * The copy is one rep movsb run natively by the CPU, so the target is touched as guest memory
 * (through the MMU and guest_memfd), one byte at a time as far as any exit is concerned.
 *
 * The page tables only grow while the code's memslot stays installed: an entry, once written,
 * never changes. The host writes them behind KVM's back, and a shadow MMU (or a TLB tagged by
 * VPID/ASID) may keep what it translated before; an entry that goes from absent to present is
 * walked afresh, one that changed could be served stale. When the directories are full the
 * memslot is deleted (which drops every translation) and the tables start again.
 */
import type { Segment, Sregs } from '../api.js';

export const CODE_REGION_SIZE = 2 * 1024 * 1024;
export const BOUNCE_OFFSET = 0x100000;
export const BOUNCE_SIZE = 0x100000;
const PML4 = 0x1000;
const PDPT = 0x2000;
const PD_FIRST = 0x3000;
const MAX_DIRECTORIES = (BOUNCE_OFFSET - PD_FIRST) / 0x1000;
/** Virtual addresses the program uses. */
export const BOUNCE_VA = BigInt(BOUNCE_OFFSET);
const HUGE = 2n * 1024n * 1024n;

const PRESENT = 1n;
const WRITABLE = 2n;
const PAGE_SIZE_BIT = 0x80n;

/** The machine code: copy RCX bytes from [RSI] to [RDI], then stop. */
export const COPY_CODE = Uint8Array.of(
  0xfc, // cld
  0xf3, 0xa4, // rep movsb
  0xf4, // hlt
);

/** An (offset in the code region, 8-byte entry) pair to write before a run. */
export type TableEntry = [number, bigint];

/** The program's page tables for one installation of its code at `codeGpa`: windows are added, never changed. */
export class GuestPageTables {
  /** The next free 2 MiB virtual page (0 is the code). */
  private next = 1;
  /** Target 2 MiB page -> its first window's virtual page. */
  private readonly windows = new Map<bigint, number>();

  constructor(private readonly codeGpa: bigint) {}

  /** The entries that map the code itself: written before the code's memslot is installed. */
  initialEntries(): TableEntry[] {
    return [[PML4, this.codeGpa + BigInt(PDPT) + (PRESENT | WRITABLE)], ...this.directory(0), [PD_FIRST, this.codeGpa | PRESENT | WRITABLE | PAGE_SIZE_BIT]];
  }

  /** Bytes of the region the tables use (what a new installation must clear). */
  get usedBytes(): number {
    return PD_FIRST + (((this.next - 1) >> 9) + 1) * 0x1000;
  }

  /**
   * The virtual address of `targetGpa`, with the entries to write before the run (none when its
   * window exists), or undefined when the directories are full.
   */
  window(targetGpa: bigint): { va: bigint; entries: TableEntry[] } | undefined {
    const page = targetGpa / HUGE;
    const offset = targetGpa % HUGE;
    const known = this.windows.get(page);
    if (known !== undefined) return { va: BigInt(known) * HUGE + offset, entries: [] };
    const first = this.next;
    if (((first + 1) >> 9) >= MAX_DIRECTORIES) return undefined;
    const entries: TableEntry[] = [];
    for (const [i, pa] of [[first, page * HUGE], [first + 1, (page + 1n) * HUGE]] as const) {
      if ((i & 511) === 0) entries.push(...this.directory(i >> 9));
      entries.push([PD_FIRST + (i >> 9) * 0x1000 + (i & 511) * 8, pa | PRESENT | WRITABLE | PAGE_SIZE_BIT]);
    }
    this.next += 2;
    this.windows.set(page, first);
    return { va: BigInt(first) * HUGE + offset, entries };
  }

  /** The PDPT entry that makes directory `k` (virtual GiB k) present. */
  private directory(k: number): TableEntry[] {
    return [[PDPT + k * 8, this.codeGpa + BigInt(PD_FIRST + k * 0x1000) + (PRESENT | WRITABLE)]];
  }
}

const flat = (selector: number, type: number, code: boolean): Segment => ({
  base: 0n,
  limit: 0xffff_ffff,
  selector,
  type,
  present: true,
  dpl: 0,
  db: !code,
  s: true,
  l: code,
  g: true,
  avl: false,
  unusable: false,
});

/** 64-bit long mode with paging on, flat segments, no GDT needed (KVM uses the cached state). */
export function longModeSregs(codeGpa: bigint): Partial<Sregs> {
  const data = flat(0x10, 3, false);
  return {
    cs: flat(0x08, 11, true),
    ds: data,
    es: data,
    fs: data,
    gs: data,
    ss: data,
    tr: { ...flat(0x18, 11, false), limit: 0x67, s: false, db: false, g: false },
    cr0: 0x8000_0011n, // PG | ET | PE
    cr3: codeGpa + BigInt(PML4),
    cr4: 0x20n, // PAE
    efer: 0x500n, // LMA | LME
  };
}
