/**
 * The guest program behind vm.guest on the kernel backend: a few bytes of 64-bit code that copy
 * between guest physical memory and a bounce buffer, run in long mode with 2 MiB pages.
 *
 * Layout of the 2 MiB code region (its own memslot, host anonymous memory):
 *   0x000000  code: cld; rep movsb; hlt
 *   0x001000  PML4        0x002000  PDPT
 *   0x003000  PD for VA 0..1 GiB: VA 0 maps this region itself
 *   0x004000  PD for VA 1..2 GiB: the window onto the target (two 2 MiB pages)
 *   0x100000  bounce buffer (1 MiB)
 * The copy is one rep movsb run natively by the CPU, so the target is touched as guest memory
 * (through the MMU and guest_memfd), one byte at a time as far as any exit is concerned.
 */
import type { Segment, Sregs } from '../api.js';

export const CODE_REGION_SIZE = 2 * 1024 * 1024;
export const BOUNCE_OFFSET = 0x100000;
export const BOUNCE_SIZE = 0x100000;
const PML4 = 0x1000;
const PDPT = 0x2000;
const PD_CODE = 0x3000;
const PD_WINDOW = 0x4000;
/** Virtual addresses the program uses. */
export const WINDOW_VA = 0x4000_0000n;
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

/** (offset in the code region, 8-byte entry) pairs to write before a run. */
export function pageTableEntries(codeGpa: bigint, targetGpa: bigint): [number, bigint][] {
  const window = (targetGpa / HUGE) * HUGE;
  return [
    [PML4, codeGpa + BigInt(PDPT) + (PRESENT | WRITABLE)],
    [PDPT, codeGpa + BigInt(PD_CODE) + (PRESENT | WRITABLE)],
    [PDPT + 8, codeGpa + BigInt(PD_WINDOW) + (PRESENT | WRITABLE)],
    [PD_CODE, codeGpa | PRESENT | WRITABLE | PAGE_SIZE_BIT],
    [PD_WINDOW, window | PRESENT | WRITABLE | PAGE_SIZE_BIT],
    [PD_WINDOW + 8, (window + HUGE) | PRESENT | WRITABLE | PAGE_SIZE_BIT],
  ];
}

/** The window's virtual address for a target GPA (the window starts at its 2 MiB page). */
export function windowAddress(targetGpa: bigint): bigint {
  return WINDOW_VA + (targetGpa % HUGE);
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
