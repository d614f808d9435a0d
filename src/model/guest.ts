/**
 * Guest-side memory access in the model, following the KVM MMU's decisions page by page:
 * private or shared (the VM's attributes, or the guest's choice), which memslot, and then the
 * guest_memfd or the host memory behind userspace_addr. An access that KVM_RUN cannot complete
 * ends as an exit (memory fault or MMIO), returned as a value like the kernel's kvm_run.
 */
import type { AccessKind, GuestExit, MappingLevel } from '../api.js';
import type { GuestAccessRequest } from '../requests.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE, KVM_MEMORY_EXIT_FLAG_PRIVATE, KVM_MEM_READONLY } from '../uapi/flags.js';
import { PAGE_SIZE, PAGE_SIZE_N, pageOf, pageOffset } from '../uapi/memory.js';
import { fail, hex } from './fail.js';
import type { GmemInode } from './guestMemfd/inode.js';
import type { ModelHostMapping } from './hostMapping.js';
import type { ModelProcess } from './process.js';
import type { VmState } from './vmState.js';

/** Where one guest page access lands: a file page, or an exit. */
type PageTarget = { inode: GmemInode; page: number } | { exit: GuestExit };

/**
 * How many bytes an MMIO exit reports. vm.guest copies like the kernel backend's guest program
 * (one rep movsb), whose accesses KVM emulates one byte at a time when they reach MMIO.
 */
const MMIO_MAX = 1;

export class ModelGuestAccess {
  constructor(
    private readonly vm: VmState,
    private readonly process: ModelProcess<unknown>,
  ) {}

  read({ gpa, length, kind }: GuestAccessRequest, out: Uint8Array): GuestExit | undefined {
    return this.walk(gpa, length, false, kind, (t, inPage, done, n) => t.inode.contents.read(t.page, inPage, out, done, n));
  }

  write({ gpa, length, kind }: GuestAccessRequest, src: Uint8Array): GuestExit | undefined {
    return this.walk(gpa, length, true, kind, (t, inPage, done, n) => t.inode.contents.write(t.page, inPage, src, done, n));
  }

  /** Visit the access page by page in ascending order; the first page that cannot be accessed ends it. */
  private walk(
    start: bigint,
    len: number,
    write: boolean,
    kind: AccessKind | undefined,
    copy: (target: { inode: GmemInode; page: number }, inPage: number, done: number, n: number) => void,
  ): GuestExit | undefined {
    let done = 0;
    while (done < len) {
      const gpa = start + BigInt(done);
      const inPage = Number(gpa % PAGE_SIZE_N);
      const n = Math.min(PAGE_SIZE - inPage, len - done);
      const target = this.resolve(gpa, Math.min(n, MMIO_MAX), write, kind);
      if ('exit' in target) return target.exit;
      target.inode.faultIn(target.page);
      copy(target, inPage, done, n);
      done += n;
    }
    return undefined;
  }

  mappingLevel(gpa: bigint): MappingLevel | null {
    const gfn = pageOf(gpa);
    const slot = this.vm.slotForGfn(gfn);
    if (!slot) return null;
    const inode = slot.gmem?.inode;
    if (!slot.gmem) return '4K'; // Host memory behind userspace_addr: the host's page size is not modelled.
    if (!inode) return null;
    const n = inode.pagesPerHugePage;
    const filePage = slot.gmem.pgoff + (gfn - slot.baseGfn);
    const hugeStart = Math.floor(filePage / n) * n;
    // The whole huge page must be in the slot, at a guest address aligned like its file offset.
    const inSlot = hugeStart >= slot.gmem.pgoff && hugeStart + n <= slot.gmem.pgoff + slot.npages;
    const aligned = (slot.baseGfn + (hugeStart - slot.gmem.pgoff)) % n === 0;
    if (n === 1 || !inSlot || !aligned || !inode.isHugePageWhole(filePage)) return '4K';
    return inode.pageLog2 >= 30 ? '1G' : '2M';
  }

  private resolve(gpa: bigint, mmioLength: number, write: boolean, kind: AccessKind | undefined): PageTarget {
    const gfn = pageOf(gpa);
    const vm = this.vm;
    const slot = vm.slotForGfn(gfn);
    const inPlace = vm.profile.inPlace !== null;
    const filePage = slot?.gmem ? slot.gmem.pgoff + (gfn - slot.baseGfn) : -1;
    // Where "private" is recorded: the file (in-place conversion), or the VM's attributes (6.18).
    // Memory with no file behind it (no slot, an ordinary slot, a closed file) counts as shared.
    const attrPrivate = inPlace
      ? slot?.gmem?.inode?.isPrivate(filePage) ?? false
      : vm.hasPrivateMem && (BigInt(vm.attributeOf(gfn)) & KVM_MEMORY_ATTRIBUTE_PRIVATE) !== 0n;
    // Without a kind given, the access is what the VM makes it: a SW_PROTECTED VM's follows the
    // attribute (KVM sets PFERR_PRIVATE_ACCESS from it); a VM without private memory only ever
    // makes shared accesses, so a private page of its file (in-place: every page starts private
    // unless INIT_SHARED) is a mismatch, as x86's unconditional faultin check finds.
    const isPrivate = kind === undefined ? vm.hasPrivateMem && attrPrivate : kind === 'private';
    const memoryFault = (): PageTarget => ({
      exit: {
        reason: 'KVM_EXIT_MEMORY_FAULT',
        errno: 'EFAULT',
        flags: isPrivate ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0n,
        gpa: pageOffset(gfn),
        size: PAGE_SIZE_N,
      },
    });
    const mmio = (): PageTarget => ({ exit: { reason: 'KVM_EXIT_MMIO', gpa, length: mmioLength, isWrite: write } });

    // The access must agree with what the memory is; userspace converts and re-enters.
    if (isPrivate !== attrPrivate) return memoryFault();
    if (!slot) return isPrivate ? memoryFault() : mmio();
    // Served by the file: a private access, a guest_memfd-only slot, and with in-place conversion
    // every guest_memfd slot. With no file behind it (never bound, or closed) kvm_gmem_get_pfn
    // finds none and KVM fills a memory-fault exit, as for any guest_memfd error (seen on 7.3 and,
    // with in-place on, on the v8 port onto 7.3: the fuzzer's closed-file steps).
    if (isPrivate || (slot.gmem && (inPlace || slot.gmem.gmemOnly))) {
      const inode = slot.gmem?.inode;
      return inode ? { inode, page: filePage } : memoryFault();
    }
    const readonlySlot = (slot.flags & KVM_MEM_READONLY) !== 0;
    if (write && readonlySlot) return mmio();
    // A shared access to an ordinary slot goes through the host memory at userspace_addr:
    // hva_to_pfn, which is get_user_pages. Its fast path asks for a writable entry whenever the
    // slot could be mapped writable, even for a read; a read of a READONLY slot skips it.
    const hva = slot.userspaceAddr + pageOffset(gfn - slot.baseGfn);
    const host = this.process.resolve(hva);
    const got = host ? (host.owner as ModelHostMapping).getUserPage(host.offset, { write, fast: readonlySlot ? 'none' : 'write' }) : undefined;
    // Any failure is an error pfn, and the x86 MMU's error-pfn path returns -EFAULT from KVM_RUN
    // without filling the memory-fault exit, which only private/shared mismatches and guest_memfd
    // errors fill (seen on 7.3, and the same code path in 6.18: docs/kernel-behaviour.md#guest-access).
    if (got === 'vma-flags') {
      fail('EFAULT', `get_user_pages refuses the host address ${hex(hva)} behind gpa ${hex(pageOffset(gfn))}: the mapping is not ${write ? 'writable' : 'readable'} and no page table entry let GUP-fast take it (check_vma_flags)`);
    }
    if (got === undefined || typeof got === 'string') {
      // Nothing mapped there, or a page the file lets no host touch.
      fail('EFAULT', `the host address ${hex(hva)} behind gpa ${hex(pageOffset(gfn))} cannot be faulted in`);
    }
    return got;
  }
}
