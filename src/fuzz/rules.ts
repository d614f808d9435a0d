/**
 * The model's rules by name: the one registry the fuzzer's coverage counts against. A refusal is
 * named from the errno and the `reason` the model gives it (src/model/fail.ts), so no model file
 * carries an id of its own and the rule stays in one place; an outcome that is not a refusal
 * (a success path, a guest exit) is named from the step and what it produced.
 * test/fuzz/rules.test.ts checks that every fail() in src/model matches exactly one refusal here,
 * so a new rule in the model shows up as "never hit" (or as a failing test) without anyone
 * remembering to list it.
 */
import type { Profile } from '../model/profile.js';
import type { Outcome, Step } from '../scenario/types.js';
import { u64Value } from '../scenario/values.js';

export interface Rule {
  id: string;
  /** For a refusal: the errno (or signal) and the reason's shape. */
  refusal?: { code: string; reason: RegExp };
  /** Step kinds that reach it, where two rules give the same reason for different calls. */
  steps?: readonly Step['do'][];
  /** For an outcome: which step produced what. */
  outcome?: (step: Step, o: Outcome) => boolean;
  /** Profiles where the rule can fire at all (default: every profile). */
  applies?: (p: Profile) => boolean;
  /** Why no scenario and no fuzz run reaches it, when that is so. */
  unreachable?: string;
}

const inPlace = (p: Profile) => p.inPlace !== null;
const attributes2 = (p: Profile) => p.inPlace?.ioctl === 'attributes2';
const convertIoctl = (p: Profile) => p.inPlace?.ioctl === 'convert';
const vmAttributes = (p: Profile) => p.vmMemoryAttributes;
const huge = (p: Profile) => !!p.hugePages;
const seals = (p: Profile) => !!p.seals;
const notAttributes2 = (p: Profile) => p.inPlace?.ioctl !== 'attributes2';
const notConvert = (p: Profile) => p.inPlace?.ioctl !== 'convert';
const notSeals = (p: Profile) => !p.seals;
const noVmAttributes = (p: Profile) => !p.vmMemoryAttributes;

const r = (id: string, code: string, reason: RegExp, extra: Partial<Rule> = {}): Rule => ({ id, refusal: { code, reason }, ...extra });
const ok = (id: string, kinds: Step['do'][], when: (s: Step) => boolean = () => true, extra: Partial<Rule> = {}): Rule => ({
  id,
  outcome: (s, o) => kinds.includes(s.do) && 'ok' in o && when(s),
  ...extra,
});
const exit = (id: string, reason: string, privateFlag?: boolean): Rule => ({
  id,
  outcome: (s, o) => (s.do === 'guestRead' || s.do === 'guestWrite') && 'exit' in o && o.exit === reason && (privateFlag === undefined || (o.flags !== undefined && o.flags !== '0') === privateFlag),
});
const flagsOf = (s: Step): bigint => {
  const f = (s as { flags?: unknown }).flags;
  try {
    return typeof f === 'string' || typeof f === 'number' ? BigInt(f) : Array.isArray(f) && f.some((n) => String(n).includes('GUEST_MEMFD')) ? 4n : 0n;
  } catch {
    return 0n;
  }
};
const pinRefused = (s: Step, o: Outcome) => s.do === 'pin' && 'errno' in o && o.errno === 'EINVAL';
/** A pin step's offset and length are whole pages, and the length not 0. */
const pinPagesGiven = (s: Step): boolean => {
  if (s.do !== 'pin') return false;
  try {
    const offset = u64Value(s.offset, 'offset');
    const length = u64Value(s.length, 'length');
    return length !== 0n && offset % 4096n === 0n && length % 4096n === 0n;
  } catch {
    return false;
  }
};
const sizeZero = (s: Step) => ['0', '0x0'].includes(String((s as { memorySize?: unknown }).memorySize));

export const RULES: readonly Rule[] = [
  // KVM_CREATE_VM and the device.
  r('vm.type.not-offered', 'EINVAL', /^VM type .* is not offered/),
  r('memfd.name.too-long', 'EINVAL', /^the name is longer than/),
  ok('vm.create.ok', ['createVm']),
  // KVM_CREATE_GUEST_MEMFD.
  r('create.flags.unsupported', 'EINVAL', /^flags .* include bits outside the supported set/),
  r('create.init-private.needs-shared', 'EINVAL', /^INIT_PRIVATE needs SUPPORT_SHARED/, { applies: (p) => p.gmemFlags.initPrivate !== 0n }),
  r('create.size.not-positive', 'EINVAL', /^size .* is not positive as a loff_t$/),
  r('create.size.unaligned', 'EINVAL', /^size .* is not a multiple of the page size$/),
  r('create.size.huge-unaligned', 'EINVAL', /^size .* is not a multiple of the huge page size/, { applies: huge }),
  r('create.hugetlb.size-without-flag', 'EINVAL', /^a huge page size was given without GUEST_MEMFD_FLAG_HUGETLB$/, { applies: huge }),
  r('create.hugetlb.size-not-offered', 'EINVAL', /^huge pages of 2\^\d+ bytes are not offered/, { applies: huge }),
  r('create.hugetlb.init-shared', 'EINVAL', /^HUGETLB with INIT_SHARED/, { applies: huge }),
  ok('create.ok', ['createGuestMemfd']),
  // KVM_SET_MEMORY_ATTRIBUTES (VM-wide).
  r('create.no-guest-memfd', 'ENOTTY', /^this kernel has no guest_memfd/, { applies: (p) => !p.release.guestMemfd }),
  r('mmap.madvise.collapse', 'EINVAL', /^MADV_COLLAPSE: /),
  r('mmap.madvise.no-thp', 'EINVAL', /the kernel is built without transparent huge pages$/, { applies: (p) => !p.transparentHugepages }),
  // mbind(2) on a mapping (src/model/mempolicy.ts), in the kernel's order.
  r('mempolicy.mode.invalid', 'EINVAL', /^mode \d+ is not a memory policy mode$/),
  r('mempolicy.flags.static-and-relative', 'EINVAL', /^MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES together$/),
  r('mempolicy.flags.numa-balancing-mode', 'EINVAL', /^MPOL_F_NUMA_BALANCING is only for /),
  r('mempolicy.nodemask.too-long', 'EINVAL', /^maxnode \d+: a node mask of more than \d+ bits$/),
  r('mempolicy.nodemask.beyond-max-numnodes', 'EINVAL', /^node \d+ is set in the mask, beyond MAX_NUMNODES/),
  r('mempolicy.mbind-flags.invalid', 'EINVAL', /^mbind flags .* have bits other than STRICT\|MOVE\|MOVE_ALL$/),
  r('mempolicy.start.unaligned', 'EINVAL', /^start .* is not page aligned$/, { steps: ['mbind'] }),
  r('mempolicy.default.nodes', 'EINVAL', /^MPOL_DEFAULT takes no nodes$/),
  r('mempolicy.preferred-empty.user-flags', 'EINVAL', /^MPOL_PREFERRED with no nodes \(local allocation\) takes no /),
  r('mempolicy.local.nodes', 'EINVAL', /^MPOL_LOCAL takes no nodes and no STATIC\/RELATIVE flag$/),
  r('mempolicy.nodes.empty', 'EINVAL', / needs at least one node$/),
  r('mempolicy.nodes.no-memory', 'EINVAL', /^none of nodes .* has memory this task may use/),
  r('mempolicy.node.not-readable', 'EFAULT', /^the mapping is not readable: get_user_pages cannot fault/),
  r('mempolicy.node.unfaultable', 'EFAULT', /^get_user_pages cannot fault file page \d+ in/),
  ok('mempolicy.mbind.ok', ['mbind']),
  ok('mempolicy.get.ok', ['getMempolicy']),
  ok('mempolicy.page-node.ok', ['pageNode']),
  r('attributes.vm.absent', 'ENOTTY', /^this kernel is built without VM memory attributes$/, { applies: noVmAttributes }),
  r('attributes.flags', 'EINVAL', /^flags .* must be 0$/, { applies: vmAttributes, steps: ['setMemoryAttributes'] }),
  r('attributes.unsupported', 'EINVAL', /^attributes .* are not in the supported set/, { applies: vmAttributes }),
  r('attributes.size-zero', 'EINVAL', /^size is 0$/, { applies: vmAttributes }),
  r('attributes.wraps', 'EINVAL', /^address \+ size wraps$/, { applies: vmAttributes }),
  r('attributes.unaligned', 'EINVAL', /^address .* and size .* must be page aligned$/, { applies: vmAttributes }),
  ok('attributes.set.ok', ['setMemoryAttributes'], () => true, { applies: vmAttributes }),
  // KVM_SET_USER_MEMORY_REGION(2).
  r('memslot.v1.flags', 'EINVAL', /need KVM_SET_USER_MEMORY_REGION2$/),
  r('memslot.id.user-range', 'EINVAL', /^slot id \d+ is not below KVM_USER_MEM_SLOTS/),
  r('memslot.flags.invalid', 'EINVAL', /^flags .* are not a valid combination here$/),
  r('memslot.size.unaligned', 'EINVAL', /^memory_size .* is not page aligned$/),
  r('memslot.gpa.unaligned', 'EINVAL', /^guest_phys_addr .* is not page aligned$/),
  r('memslot.hva.unaligned', 'EINVAL', /^userspace_addr .* is not page aligned$/),
  r('memslot.hva.not-user', 'EINVAL', /is not a user address range\)?$/),
  r('memslot.gmem-offset.unaligned', 'EINVAL', /^guest_memfd_offset \S+ is not page aligned$/),
  r('memslot.gmem-offset.wraps', 'EINVAL', /^guest_memfd_offset \+ memory_size wraps$/),
  r('memslot.as-id', 'EINVAL', /^address space \d+ does not exist/),
  r('memslot.id.range', 'EINVAL', /^slot id \d+ is out of range$/, { unreachable: 'KVM_USER_MEM_SLOTS is below KVM_MEM_SLOTS_NUM, so memslot.id.user-range refuses first' }),
  r('memslot.gpa.wraps', 'EINVAL', /^guest_phys_addr \+ memory_size wraps$/),
  r('memslot.size.too-many-pages', 'EINVAL', /has too many pages for one slot$/),
  r('memslot.delete.absent', 'EINVAL', /does not exist, so it cannot be deleted$/),
  r('memslot.pages.overflow', 'EINVAL', /^the total number of memslot pages would overflow$/, { unreachable: 'needs 2^64 pages of slots: each slot is capped at 2^31 - 1 pages' }),
  r('memslot.modify.gmem', 'EINVAL', /^guest_memfd slots are immutable/),
  r('memslot.modify.hva', 'EINVAL', /^an existing slot cannot change its userspace_addr$/),
  r('memslot.modify.size', 'EINVAL', /^an existing slot cannot change its size$/),
  r('memslot.modify.toggle', 'EINVAL', /^READONLY and GUEST_MEMFD cannot be toggled/),
  r('memslot.overlap', 'EEXIST', /^guest physical range overlaps slot/),
  r('memslot.gpa.above-max', 'EINVAL', /^the slot ends above the highest mappable guest frame/),
  r('memslot.bind.ebadf', 'EBADF', /^descriptor -?\d+ is not open$/),
  r('memslot.bind.not-gmem', 'EINVAL', /^descriptor -?\d+ is a .*, not a guest_memfd$/),
  r('memslot.bind.other-vm', 'EINVAL', /^the guest_memfd belongs to another VM$/),
  r('memslot.bind.past-eof', 'EINVAL', /does not fit in the file/),
  // The errno changed after 6.18 (src/model/releases.ts): one rule per answer, each on the releases that give it.
  r('memslot.bind.overlap', 'EINVAL', /^that range of the file is already bound to another slot$/, { applies: (p) => p.release.overlappingBindingErrno === 'EINVAL' }),
  r('memslot.bind.overlap.eexist', 'EEXIST', /^that range of the file is already bound to another slot$/, { applies: (p) => p.release.overlappingBindingErrno === 'EEXIST' }),
  ok('memslot.create.ok', ['setUserMemoryRegion', 'setUserMemoryRegion2'], (s) => !sizeZero(s) && !(flagsOf(s) & 4n)),
  ok('memslot.bind.ok', ['setUserMemoryRegion2'], (s) => !sizeZero(s) && !!(flagsOf(s) & 4n)),
  ok('memslot.delete.ok', ['setUserMemoryRegion', 'setUserMemoryRegion2'], sizeZero),
  // fallocate(2).
  r('fallocate.offset.negative', 'EINVAL', /^offset -?\d+ is negative as a loff_t$/),
  r('fallocate.len.not-positive', 'EINVAL', /^len -?\d+ is not positive as a loff_t$/),
  r('fallocate.mode.unknown-bits', 'EOPNOTSUPP', /has bits no file system knows$/),
  r('fallocate.punch.needs-keep-size', 'EOPNOTSUPP', /^PUNCH_HOLE needs KEEP_SIZE$/),
  r('fallocate.mode.keep-size-conflict', 'EOPNOTSUPP', /cannot be combined with KEEP_SIZE$/),
  r('fallocate.mode.several', 'EOPNOTSUPP', /names more than one operation$/),
  r('fallocate.efbig', 'EFBIG', /overflows a loff_t$/),
  r('fallocate.keep-size-required', 'EOPNOTSUPP', /^guest_memfd has a fixed size: KEEP_SIZE is required$/),
  r('fallocate.mode.unsupported', 'EOPNOTSUPP', /^guest_memfd supports only allocate and PUNCH_HOLE/),
  r('fallocate.unaligned', 'EINVAL', /^offset .* and len .* must be page aligned$/),
  r('fallocate.huge-unaligned', 'EINVAL', /must be aligned to the huge page size/, { applies: huge }),
  r('fallocate.past-eof', 'EINVAL', /^allocating up to .* goes past the file size/),
  ok('fallocate.allocate.ok', ['fallocate', 'allocate'], (s) => s.do === 'allocate' || !(Number((s as { mode?: unknown }).mode) & 2)),
  ok('fallocate.punch.ok', ['fallocate', 'punchHole'], (s) => s.do === 'punchHole' || !!(Number((s as { mode?: unknown }).mode) & 2)),
  // The file's other methods.
  r('file.read.none', 'EINVAL', /^guest_memfd has no read method$/, { applies: notSeals }),
  r('file.write.none', 'EINVAL', /^guest_memfd has no write method$/, { applies: notSeals }),
  r('file.pos.negative', 'EINVAL', /^position is negative as a loff_t$/),
  r('file.pread.espipe', 'ESPIPE', /^guest_memfd does not support positional I\/O$/, { applies: notSeals }),
  r('file.lseek.whence', 'EINVAL', /^whence \d+ is not a SEEK_\* value$/, { applies: notSeals }),
  r('file.lseek.espipe', 'ESPIPE', /^guest_memfd is not seekable$/, { applies: notSeals }),
  r('file.ftruncate', 'EINVAL', /^the size of a guest_memfd is fixed at creation$/),
  r('file.fsync', 'EINVAL', /^guest_memfd has no fsync method$/),
  r('file.fchmod', 'EINVAL', /^guest_memfd refuses attribute changes$/),
  r('file.sealed', 'EPERM', /was withdrawn by a seal$/, { applies: seals }),
  r('file.io.past-eof', 'ENOSPC', /is at or past the end of the file: its size is fixed$/, { applies: seals }),
  r('file.io.private', 'EPERM', /^the page at .* is private$/, { applies: seals }),
  r('file.lseek.whence-here', 'EINVAL', /is not SEEK_SET, SEEK_CUR or SEEK_END here$/, { applies: seals }),
  r('file.lseek.negative', 'EINVAL', /^the resulting position is negative$/, { applies: seals }),
  r('seals.absent', 'EINVAL', /has no seals$/, { applies: notSeals, unreachable: 'the handle layer offers addSeals only where the profile has seals' }),
  r('seals.flags', 'EINVAL', /can be sealed, not/, { applies: seals }),
  // mmap(2) and mprotect(2).
  r('mmap.offset.unaligned', 'EINVAL', /^offset \S+ is not page aligned$/),
  r('mmap.offset.huge-unaligned', 'EINVAL', /^offset .* is not aligned to the huge page size/, { applies: huge }),
  r('mmap.length.zero', 'EINVAL', /^length is 0$/),
  r('mmap.length.overflow', 'ENOMEM', /overflows when rounded up to a page$/),
  r('mmap.no-room', 'ENOMEM', /^no room for .* bytes in the address space$/),
  r('mmap.eoverflow', 'EOVERFLOW', /passes the largest file offset$/),
  r('mmap.exec', 'EPERM', /^guest_memfd cannot be mapped executable/),
  r('mmap.overcommit', 'ENOMEM', /more than RAM and swap allow/),
  r('mmap.no-mmap-flag', 'ENODEV', /^the file was created without GUEST_MEMFD_FLAG_MMAP$/),
  r('mmap.private', 'EINVAL', /^guest_memfd mappings must be shared/),
  r('mprotect.exec', 'EACCES', /^guest_memfd mappings may not become executable/),
  ok('mmap.ok', ['mmap']),
  // Host access through a mapping.
  r('host-fault.past-eof', 'SIGBUS', /is at or past the end of the file \(/),
  r('host-fault.private', 'SIGBUS', /is in a private page$/),
  ok('host-access.ok', ['hostRead', 'hostWrite', 'hostFill']),
  // Guest access (KVM_RUN).
  r('guest.error-pfn', 'EFAULT', /cannot be faulted in$/),
  r('guest.gup.vma-flags', 'EFAULT', /^get_user_pages refuses the host address .* \(check_vma_flags\)$/),
  exit('guest.memory-fault.private', 'KVM_EXIT_MEMORY_FAULT', true),
  exit('guest.memory-fault.shared', 'KVM_EXIT_MEMORY_FAULT', false),
  exit('guest.mmio', 'KVM_EXIT_MMIO'),
  ok('guest.access.ok', ['guestRead', 'guestWrite']),
  // In-place conversion.
  r('conversion.injected', 'EINVAL', /^injected fault/, { applies: inPlace, unreachable: 'model fault injection: set only by tests, never by scenarios' }),
  r('conversion.pinned', 'EAGAIN', /is pinned$/, { applies: inPlace }),
  r('conversion.range.size', 'EINVAL', /is 0 or offset \+ size wraps$/, { applies: inPlace }),
  r('conversion.range.unaligned', 'EINVAL', /^offset .* and size .* must be page aligned$/, { applies: inPlace }),
  r('conversion.range.outside', 'EINVAL', /is not inside the file \(/, { applies: inPlace }),
  r('attributes2.absent', 'ENOTTY', /has no in-place conversion ioctl on the guest_memfd$/, { applies: notAttributes2, unreachable: 'the handle layer offers KVM_SET_MEMORY_ATTRIBUTES2 only where the profile has it' }),
  r('attributes2.flags', 'EINVAL', /^flags .* must be 0$/, { applies: attributes2, steps: ['setMemoryAttributes2'] }),
  r('conversion.reserved', 'EINVAL', /^reserved\[\d+\] must be 0$/, { applies: inPlace }),
  r('conversion.no-private-mem', 'EINVAL', /^the VM has no private memory$/, { applies: inPlace }),
  r('attributes2.unsupported', 'EINVAL', /^attributes .* are not in (?!the supported set)/, { applies: attributes2 }),
  r('convert.absent', 'ENOTTY', /has no KVM_GMEM_CONVERT ioctls$/, { applies: notConvert, unreachable: 'the handle layer offers KVM_GMEM_CONVERT only where the profile has it' }),
  r('convert.error-offset', 'EINVAL', /^error_offset is an output/, { applies: convertIoctl }),
  r('convert.no-shared', 'EINVAL', /^the file was created without SUPPORT_SHARED/, { applies: convertIoctl }),
  ok('conversion.to-private.ok', ['convertToPrivate'], () => true, { applies: inPlace }),
  ok('conversion.to-shared.ok', ['convertToShared'], () => true, { applies: inPlace }),
  ok('attributes2.ok', ['setMemoryAttributes2'], () => true, { applies: attributes2 }),
  // Long-term pins (the model's stand-in for GUP pins).
  // The range rule is the handle layer's, the same for both backends (src/handles/proposals.ts):
  // no model refusal to observe, so it is named from the refused step (the backend's own refusals
  // of a pin are other errnos).
  { id: 'pin.range', outcome: (s, o) => pinRefused(s, o) && !pinPagesGiven(s), applies: inPlace },
  { id: 'pin.outside', outcome: (s, o) => pinRefused(s, o) && pinPagesGiven(s), applies: inPlace },
  r('pin.private', 'EFAULT', /is private: the host cannot reach it to pin it$/, { applies: inPlace }),
  r('pin.unmappable', 'ENODEV', /^the file was created without GUEST_MEMFD_FLAG_MMAP: no mapping to pin through$/, { applies: inPlace }),
  ok('pin.ok', ['pin'], () => true, { applies: inPlace }),
  ok('pin.release.ok', ['release'], () => true, { applies: inPlace }),
  // Lifetimes: closing a handle the others still depend on.
  ok('close.ok', ['close']),
];

/** The refusal rules by errno (or signal), and the outcome rules: asked after every model step. */
const REFUSALS_BY_CODE = new Map<string, Rule[]>();
for (const rule of RULES) if (rule.refusal) REFUSALS_BY_CODE.set(rule.refusal.code, [...(REFUSALS_BY_CODE.get(rule.refusal.code) ?? []), rule]);
const OUTCOME_RULES = RULES.filter((rule) => rule.outcome);

/** The refusal rules that can match one (code, reason) from a step (any step when not given). */
export function refusalsMatching(code: string, reason: string, step?: Step['do']): Rule[] {
  return (REFUSALS_BY_CODE.get(code) ?? []).filter((rule) => rule.refusal!.reason.test(reason) && (!step || !rule.steps || rule.steps.includes(step)));
}

/** The outcome rules a step's result satisfies. */
export function outcomesMatching(step: Step, o: Outcome): Rule[] {
  return OUTCOME_RULES.filter((rule) => rule.outcome!(step, o));
}

/** The rules that can fire under a profile. */
export const rulesFor = (p: Profile): Rule[] => RULES.filter((rule) => !rule.applies || rule.applies(p));
