/**
 * The host's page tables for one mapping of a guest_memfd, and get_user_pages through them: the
 * one rule for every model path that looks a user address up as the kernel's GUP does (KVM's
 * hva_to_pfn for a guest access through an ordinary slot, get_mempolicy's lookup_node).
 *
 * What a present entry allows follows the mapping's current protection, whenever the entry was
 * made: the file system of guest_memfd cannot write back, so a shared mapping of it wants no
 * write notification and every entry (made by a read fault or a write fault) and every mprotect
 * of it takes the VMA's page protection as it is. On x86 that is writable (and so readable) for
 * PROT_WRITE with or without PROT_READ, read-only for PROT_READ, not accessible for PROT_NONE:
 * the same answer as the host CPU's own access (protAllows). mprotect keeps the entries; the
 * page going away does not: a punched hole or a conversion to private zaps them in every
 * mapping of the file, and munmap takes the mapping's with it.
 */
import { protAllows } from '../requests.js';
import { PROT_READ, PROT_WRITE } from '../uapi/flags.js';
import { RangeMap } from './rangeMap.js';

const PRESENT = 1;

/** Which pages of one mapping have a page table entry. */
export class HostPtes {
  /** Made on the first fault: most mappings of a fuzz run are never touched. */
  private present: RangeMap | undefined;

  constructor(
    /** The file page the mapping starts at. */
    readonly firstFilePage: number,
    /** The mapping's length in pages. */
    readonly pages: number,
  ) {}

  /** A fault (host CPU or GUP) made entries for mapping pages [start, end). */
  populate(start: number, end: number): void {
    if (start >= end) return;
    (this.present ??= new RangeMap(this.pages, 0)).set(start, end, PRESENT);
  }

  isPresent(page: number): boolean {
    return this.present !== undefined && this.present.get(page) === PRESENT;
  }

  /** unmap_mapping_pages for file pages [start, end): the entries of this mapping over them go. */
  zapFilePages(start: number, end: number): void {
    if (this.present === undefined) return;
    const from = Math.max(start - this.firstFilePage, 0);
    const to = Math.min(end - this.firstFilePage, this.pages);
    if (from < to) this.present.set(from, to, 0);
  }
}

/** How a GUP caller asks for one page. */
export interface GupRequest {
  /** FOLL_WRITE on the slow path: what the access needs of the VMA. */
  write: boolean;
  /**
   * Whether GUP-fast is tried and with FOLL_WRITE: KVM's hva_to_pfn_fast asks for a writable
   * entry even for a read when the slot may be mapped writable (not READONLY), and skips the fast
   * path for a read of a READONLY slot; get_user_pages_fast asks for what the access needs.
   */
  fast: 'write' | 'read' | 'none';
}

/** What GUP makes of one page before the fault handler: taken from the page tables, to be faulted in, or refused by the VMA's flags. */
export type GupStep = 'fast' | 'fault' | 'vma-flags';

/**
 * get_user_pages of one page of a mapping with protection `prot`. GUP-fast walks the page tables
 * without the VMA and takes a present entry that allows its access (gup_fast_pte_range: a
 * PROT_NONE entry never). Otherwise the slow path checks the VMA (check_vma_flags: a write needs
 * VM_WRITE, a read VM_READ, so a PROT_WRITE-only mapping refuses a read the CPU would be allowed)
 * and faults the page in, where the file's own fault rule still applies.
 */
export function gupStep(ptes: HostPtes, page: number, prot: number, req: GupRequest): GupStep {
  if (req.fast !== 'none' && ptes.isPresent(page) && protAllows(prot, req.fast, 1)) return 'fast';
  const vmaAllows = (prot & (req.write ? PROT_WRITE : PROT_READ)) !== 0;
  return vmaAllows ? 'fault' : 'vma-flags';
}
