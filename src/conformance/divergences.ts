/**
 * Where this project's host kernel and the model (upstream behaviour) disagree. The list is data
 * (catalog/divergences.json: name, why, the kernel answer that marks it, the source) and a scenario
 * step that shows one names it in its `divergence` field; a difference there is reported as a known
 * divergence, not as a failure, and only when the kernel's answer is the one described. The
 * fuzzer's random sequences have no such marks, so it recognizes divergences with the predicates
 * below, keyed by name.
 */
import { onPvmHost } from '../pvmHost.js';
import { divergenceEntries, divergenceEntry, type DivergenceEntry } from '../scenario/divergenceData.js';
import type { Outcome, Step } from '../scenario/types.js';
import { flagsValue, u64Value, vmTypeValue } from '../scenario/values.js';
import { GUEST_MEMFD_FLAG_MMAP, KVM_MEM_GUEST_MEMFD, KVM_MEMORY_EXIT_FLAG_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../uapi/flags.js';
import { LOFF_MAX, pageOf } from '../uapi/memory.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';

export type KnownDivergence = DivergenceEntry;

/**
 * Recognizes a divergence in any step (the fuzzer's random sequences): the step, both answers, and
 * the steps before it (what the step's VM, slots and files are).
 */
type Recognizer = (step: Step, model: Outcome, kernel: Outcome, before: readonly Step[]) => boolean;

/**
 * This host's paravirtual MMU (kvm_pvm) exits KVM_EXIT_MMIO for every guest access it cannot
 * back, where upstream serves it from the file or fails with EFAULT. Only on that host: on any
 * other kernel the same answer is a finding.
 */
const ON_PVM_HOST = onPvmHost();
const pvmGuestMmio = (step: Step, model: Outcome, kernel: Outcome): boolean =>
  ON_PVM_HOST && (step.do === 'guestRead' || step.do === 'guestWrite') && 'exit' in kernel && kernel.exit === 'KVM_EXIT_MMIO' && (!('exit' in model && model.exit === 'KVM_EXIT_MMIO') || mmioEarlier(step, model, kernel));

/**
 * Both exit MMIO, but the kernel at an earlier byte of the access, one the model served: an
 * access that runs from such a slot into unbacked memory stops at its first byte on this host
 * (checked: with userspace_addr 0 the kernel exits at the access's first byte; with the file's own
 * mapping as userspace_addr both exit at the first byte past the slot).
 */
function mmioEarlier(step: Step, model: Outcome, kernel: Outcome): boolean {
  if (!('exit' in model) || !('exit' in kernel) || model.isWrite !== kernel.isWrite) return false;
  try {
    const start = u64Value((step as { gpa?: unknown }).gpa, 'gpa');
    const k = u64Value(kernel.gpa, 'gpa');
    return start <= k && k < u64Value(model.gpa, 'gpa');
  } catch {
    return false;
  }
}

type SlotStep = Step & { do: 'setUserMemoryRegion' | 'setUserMemoryRegion2' };

/**
 * The slot over `gpa` in `vm` once `steps` (steps the kernel accepted) have run: slots followed by
 * id, a later call on the same id replacing the earlier one and size 0 deleting it.
 */
function liveSlotAt(steps: readonly Step[], vm: unknown, gpa: bigint): SlotStep | undefined {
  const slots = new Map<string, SlotStep>();
  for (const s of steps) {
    if ((s.do !== 'setUserMemoryRegion' && s.do !== 'setUserMemoryRegion2') || s.vm !== vm) continue;
    if (u64Value(s.memorySize, 'memorySize') === 0n) slots.delete(String(s.slot));
    else slots.set(String(s.slot), s);
  }
  for (const s of slots.values()) {
    const start = u64Value(s.guestPhysAddr, 'guestPhysAddr');
    if (start <= gpa && gpa < start + u64Value(s.memorySize, 'memorySize')) return s;
  }
  return undefined;
}

const isGmemSlot = (s: SlotStep): boolean => (flagsValue(s.flags ?? 0, 'flags') & BigInt(KVM_MEM_GUEST_MEMFD)) !== 0n;

/**
 * The in-place series v8 (not v13, which the model follows) still faults a shared access through a
 * guest_memfd slot whose file has no MMAP at the slot's userspace_addr: in a random sequence that
 * address is 0 or unfaultable, so the kernel answers EFAULT where the model serves the file (or
 * exits for it). Recognized only when the live slot over the access is a guest_memfd slot whose
 * file has no MMAP: one recognizer per access kind.
 */
function v8SlotViaHva(access: 'guestRead' | 'guestWrite'): Recognizer {
  return (step, model, kernel, before) => {
    if (step.do !== access || step.kind === 'private') return false;
    if (!('errno' in kernel) || kernel.errno !== 'EFAULT' || 'errno' in model) return false;
    try {
      const slot = liveSlotAt(before, step.vm, u64Value(step.gpa, 'gpa'));
      if (slot?.do !== 'setUserMemoryRegion2' || !isGmemSlot(slot)) return false;
      const file = [...before].reverse().find((s) => s.do === 'createGuestMemfd' && s.as === slot.guestMemfd);
      return file?.do === 'createGuestMemfd' && (flagsValue(file.flags ?? 0, 'flags') & GUEST_MEMFD_FLAG_MMAP) === 0n;
    } catch {
      return false;
    }
  };
}

/**
 * This host serves a guest read through a PROT_WRITE-only mapping that upstream's GUP refuses
 * (check_vma_flags). Recognized for a read the model refused with EFAULT where the kernel read,
 * whose address lies in the latest ordinary slot over it, that slot's userspace_addr being a
 * mapping whose latest protection (mprotect, else mmap's) has PROT_WRITE and not PROT_READ.
 */
function pvmWriteOnlyRead(step: Step, model: Outcome, kernel: Outcome, before: readonly Step[]): boolean {
  if (!ON_PVM_HOST || step.do !== 'guestRead' || !('ok' in kernel) || !('errno' in model) || model.errno !== 'EFAULT') return false;
  try {
    const slot = liveSlotAt(before, step.vm, u64Value(step.gpa, 'gpa'));
    if (slot === undefined || isGmemSlot(slot)) return false;
    const uaddr = slot.userspaceAddr;
    const map = uaddr && typeof uaddr === 'object' && 'mappingOf' in uaddr ? uaddr.mappingOf : undefined;
    if (map === undefined) return false;
    // An mprotect adding PROT_EXEC was refused (the mount is noexec) and changed nothing.
    const protStep = [...before].reverse().find((s) => (s.do === 'mprotect' && s.map === map && (flagsValue(s.prot, 'prot') & BigInt(PROT_EXEC)) === 0n) || (s.do === 'mmap' && s.as === map));
    const prot = protStep?.do === 'mprotect' ? flagsValue(protStep.prot, 'prot') : protStep?.do === 'mmap' && protStep.prot !== undefined ? flagsValue(protStep.prot, 'prot') : BigInt(PROT_READ | PROT_WRITE);
    return (prot & BigInt(PROT_WRITE)) !== 0n && (prot & BigInt(PROT_READ)) === 0n;
  } catch {
    return false;
  }
}

const SW_PROTECTED = KVM_X86_VM_TYPES.byName.KVM_X86_SW_PROTECTED_VM;

/**
 * A software-protected VM's access at a gfn the guest touched while no slot covered it is shared
 * on the kernel (a stale MMIO entry; see the divergence's why). Recognized for a memory-fault exit
 * without the PRIVATE flag that the model did not give, on such a VM, at the gfn where an earlier
 * shared access of the VM started while no live slot covered it (an MMIO exit stops an access at
 * its first unbacked byte, so only that gfn got an MMIO entry), and that a live slot covers now.
 */
function staleMmioShared(step: Step, model: Outcome, kernel: Outcome, before: readonly Step[]): boolean {
  if ((step.do !== 'guestRead' && step.do !== 'guestWrite') || step.kind === 'private') return false;
  if (!('exit' in kernel) || kernel.exit !== 'KVM_EXIT_MEMORY_FAULT' || ('exit' in model && model.exit === 'KVM_EXIT_MEMORY_FAULT')) return false;
  try {
    if ((BigInt(kernel.flags ?? 0) & BigInt(KVM_MEMORY_EXIT_FLAG_PRIVATE)) !== 0n) return false;
    const vm = before.find((s) => s.do === 'createVm' && s.as === step.vm);
    if (vm?.do !== 'createVm' || vmTypeValue(vm.type) !== SW_PROTECTED) return false;
    const gpa = u64Value(step.gpa, 'gpa');
    if (liveSlotAt(before, step.vm, gpa) === undefined) return false;
    return before.some((s, i) => (s.do === 'guestRead' || s.do === 'guestWrite') && s.vm === step.vm && s.kind !== 'private'
      && pageOf(u64Value(s.gpa, 'gpa')) === pageOf(gpa) && liveSlotAt(before.slice(0, i), step.vm, u64Value(s.gpa, 'gpa')) === undefined);
  } catch {
    return false;
  }
}

export const RECOGNIZERS: Readonly<Record<string, Recognizer>> = {
  'inplace-v8-slot-read-via-hva': v8SlotViaHva('guestRead'),
  'inplace-v8-slot-write-via-hva': v8SlotViaHva('guestWrite'),
  // Which of the two: a model EFAULT is the error-pfn path, anything else a slot served by its file.
  'pvm-hva-fault-mmio': (step, model, kernel) => pvmGuestMmio(step, model, kernel) && 'errno' in model,
  'pvm-gmem-uaddr0-mmio': (step, model, kernel) => pvmGuestMmio(step, model, kernel) && !('errno' in model),
  'pvm-gup-write-only-read': pvmWriteOnlyRead,
  'sw-protected-stale-mmio-shared': staleMmioShared,
  'gmem-bind-loff-overflow': (step, model, kernel) => {
    if (step.do !== 'setUserMemoryRegion2' || !('ok' in kernel) || !('errno' in model) || model.errno !== 'EINVAL') return false;
    try {
      return u64Value(step.guestMemfdOffset ?? 0, 'guestMemfdOffset') + u64Value(step.memorySize, 'memorySize') > LOFF_MAX;
    } catch {
      return false;
    }
  },
};

/** Every known divergence, as the data file lists them. */
export function knownDivergences(): readonly KnownDivergence[] {
  return divergenceEntries();
}

/** Is this the kernel answer that marks the divergence? */
export function showsDivergence(d: KnownDivergence, kernel: Outcome): boolean {
  return Object.entries(d.kernel).every(([k, v]) => (kernel as Record<string, unknown>)[k] === v);
}

/** Can a kernel judged by this release show it? (Undefined release: any.) */
export function divergenceOfRelease(d: KnownDivergence, release: string | undefined): boolean {
  return release === undefined || d.releases === undefined || d.releases.includes(release);
}

/**
 * The divergence a kernel outcome of this step shows: the one the step names, if the kernel
 * answered as it says and its release is one that shows it (on a release that fixed it, the
 * same answer is a plain failure).
 */
export function knownDivergence(step: Step | undefined, kernel: Outcome, release?: string): KnownDivergence | undefined {
  const d = step?.divergence === undefined ? undefined : divergenceEntry(step.divergence);
  return d && showsDivergence(d, kernel) && divergenceOfRelease(d, release) ? d : undefined;
}

/** The known divergence a step of a random sequence shows, if any. */
export function recognizeDivergence(step: Step, model: Outcome, kernel: Outcome, release?: string, before: readonly Step[] = []): KnownDivergence | undefined {
  return divergenceEntries().find((d) => divergenceOfRelease(d, release) && RECOGNIZERS[d.name]?.(step, model, kernel, before));
}
