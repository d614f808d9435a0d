/**
 * Random operation sequences for the differential fuzzer, written as scenario steps (so a finding
 * is a scenario file that reproduces it). Values lean on the edges where rules live: 0, 1,
 * page - 1, page, the file size, 2^62, 2^63 and its neighbours, 2^64 - page.
 */
import type { Profile } from '../model/profile.js';
import type { Step, StepOf } from '../scenario/types.js';
import { u64Value } from '../scenario/values.js';
import { MADV_ADVICE } from '../uapi/flags.js';
import { MPOL_MODES } from '../uapi/mempolicy.js';
import type { Coverage } from './coverage.js';
import type { Random } from './random.js';
import { RULES, rulesFor } from './rules.js';

const P = 4096;
const EDGE_U64 = ['0', '1', '4095', '4096', '8192', '16384', '65536', '2^62', '2^63-4096', '2^63', '2^64-4096', '2^64-1'];

interface Names {
  vms: string[];
  /** VMs made with a type that has private memory (SW_PROTECTED). */
  privateVms: string[];
  /** The type each VM was made with. */
  vmTypes: Map<string, number>;
  files: { name: string; size: bigint; vm: string }[];
  maps: { name: string; pages: number; file: string }[];
  plain: string[];
  /** Slots that may exist: where guest accesses should go to reach memory. */
  slots: { vm: string; gpa: bigint; pages: number }[];
  pins: string[];
  counter: number;
  profile: Profile;
  /** The sequence also runs on a kernel: no step its backend cannot issue (see accessKind). */
  forKernel: boolean;
}

const fresh = (n: Names, prefix: string) => `${prefix}${n.counter++}`;

/**
 * An explicit private/shared kind for a guest access, `chance` of the time. Against a kernel, none
 * on a VM with private memory: the kernel backend's guest program cannot choose the kind there
 * (the hardware or the attributes do), so such a step would end the comparison unanswered.
 */
function accessKind(r: Random, n: Names, vm: string, chance: number): { kind?: 'private' | 'shared' } {
  if (n.forKernel && n.privateVms.includes(vm)) return {};
  return r.chance(chance) ? { kind: r.pick(['private', 'shared'] as const) } : {};
}

/** A new VM of `type` (1: SW_PROTECTED, which has private memory), recorded in the names. */
function newVm(n: Names, type: number): string {
  const vm = fresh(n, 'vm');
  n.vms.push(vm);
  n.vmTypes.set(vm, type);
  if (type === 1) n.privateVms.push(vm);
  return vm;
}

/**
 * The VM a targeted generator builds on: half the time one of `type` the sequence already made
 * (its state then meets what the steps before left there, and the run pays for one VM less:
 * making and destroying a VM are the dearest calls on a kernel), else a new one. `made` is the
 * createVm step a new one needs.
 */
function vmOfType(r: Random, n: Names, type: number): { vm: string; made: Step[] } {
  const same = n.vms.filter((v) => n.vmTypes.get(v) === type);
  if (same.length && r.chance(0.5)) return { vm: r.pick(same), made: [] };
  const vm = newVm(n, type);
  return { vm, made: [{ do: 'createVm', as: vm, type }] };
}

function u64(r: Random, size?: bigint): string {
  if (size !== undefined && r.chance(0.35)) return String(r.pick([size, size - 4096n, size + 4096n, size / 2n].filter((v) => v >= 0n)));
  if (r.chance(0.4)) return String(r.int(8) * P + (r.chance(0.15) ? r.pick([1, P - 1]) : 0));
  return r.pick(EDGE_U64);
}

function flagBits(r: Random, bits: number, highChance = 0.05): string {
  let v = 0n;
  for (let b = 0; b < bits; b++) if (r.chance(0.35)) v |= 1n << BigInt(b);
  if (r.chance(highChance)) v |= 1n << BigInt(r.int(64));
  return `0x${v.toString(16)}`;
}

/** A u64 field as the generator wrote it, as a number (0 for what is not one). */
const num = (v: unknown): bigint => {
  try {
    return u64Value(v, 'fuzz');
  } catch {
    return 0n;
  }
};

/** Mostly sizes that work (so later steps have a file), sometimes the edges. */
function fileSize(r: Random): string {
  if (r.chance(0.8)) return String((r.int(16) + 1) * P);
  return r.pick(['0', '1', '4095', '2^62', '2^63', '2^63-4096', '2^64-4096']);
}

/** A generator: one step, a few steps that build a state, or nothing when what it needs is missing. */
type Gen = (r: Random, n: Names) => Step | Step[] | undefined;

/** A generator, how often it runs by default, and the rules it aims at (ids or id prefixes). */
interface Generator {
  weight: number;
  targets: readonly string[];
  gen: Gen;
}

const vmOf = (r: Random, n: Names): string | undefined => (n.privateVms.length && r.chance(0.5) ? r.pick(n.privateVms) : n.vms.length ? r.pick(n.vms) : undefined);

/** A guest physical address: mostly inside a slot that may exist, sometimes anywhere. */
function guestAddress(r: Random, n: Names, vm: string): bigint {
  // Only where the kernel backend's guest program can answer: below 2^46 (its page tables name
  // the frame; past the guest's physical address width its vCPU shuts down instead).
  const top = 1n << BigInt(Math.min(n.profile.maxGpaBits, 46));
  const slots = n.slots.filter((s) => s.vm === vm && s.gpa + BigInt(s.pages + 1) * BigInt(P) <= top);
  if (slots.length && r.chance(0.85)) {
    const s = r.pick(slots);
    return s.gpa + BigInt(r.int(s.pages + 1) * P + (r.chance(0.1) ? P - 1 : 0));
  }
  return r.pick([0n, 0x100000n, 1n << 32n, BigInt(r.int(16) * P)]);
}

const BREADTH: Generator[] = [
  { weight: 2, targets: ['vm.'], gen: (r, n) => {
    const type = r.chance(0.9) ? r.pick([0, 0, 1]) : r.pick([1, 2, 5, 31, 32]);
    return { do: 'createVm', as: newVm(n, type), type };
  } },
  { weight: 4, targets: ['create.'], gen: (r, n) => {
    const vm = vmOf(r, n);
    if (!vm) return undefined;
    const name = fresh(n, 'f');
    const size = fileSize(r);
    const bits = r.chance(0.8) ? r.pick(['0x3', '0x3', '0x1', '0x0', '0x2']) : flagBits(r, 3, 0.2);
    n.files.push({ name, size: num(size), vm });
    return { do: 'createGuestMemfd', vm, as: name, size, flags: bits, ...(r.chance(0.1) ? { reserved: [1] } : {}) };
  } },
  { weight: 1, targets: ['memslot.bind.not-gmem', 'memfd.'], gen: (r, n) => {
    const name = fresh(n, 'plain');
    n.plain.push(name);
    // memfd_create's name limit (249 bytes) is a rule too.
    return r.chance(0.1) ? { do: 'memfdCreate', as: name, name: 'n'.repeat(r.pick([249, 250])) } : { do: 'memfdCreate', as: name };
  } },
  { weight: 4, targets: ['fallocate.'], gen: (r, n) => {
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const mode = r.pick([1, 1, 3, 3, 0, 2, 0x11, 0x9, 0x21, 0x41, 0x80, 0x81, 0x5, 0x101, r.int(256)]);
    const offset = u64(r, f.size);
    // An allocation the kernel accepts takes real memory: keep accepted ones small, and let the
    // large lengths be the ones that go past the file (refused before anything is allocated).
    const len = (mode & 0xff) === 1 ? r.pick(['0', '1', '4095', '4096', '8192', '65536', '2^63', '2^64-4096', String(f.size + 4096n)]) : u64(r, f.size);
    return { do: 'fallocate', file: f.name, mode, offset, len };
  } },
  { weight: 4, targets: ['mmap.'], gen: (r, n) => {
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const name = fresh(n, 'm');
    const step: Step = { do: 'mmap', file: f.name, as: name };
    if (r.chance(0.4)) step.offset = r.chance(0.8) ? String(r.int(4) * P) : u64(r, f.size);
    const pages = r.int(8) + 1;
    step.length = r.chance(0.8) ? String(pages * P) : r.pick(['0', '1', '4097', '2^40', '2^64-1', String(f.size)]);
    n.maps.push({ name, pages, file: f.name });
    if (r.chance(0.3)) step.prot = r.int(8);
    if (r.chance(0.2)) step.flags = r.pick([1, 2, 3]);
    return step;
  } },
  { weight: 8, targets: ['host-', 'mprotect.', 'mmap.madvise.'], gen: (r, n) => {
    if (!n.maps.length) return undefined;
    const m = r.pick(n.maps);
    const map = m.name;
    // Mostly inside the mapping (past it, the API refuses before either backend is asked).
    const at = r.int(m.pages) * P + r.pick([0, 0, 1, P - 2]);
    const offset = String(at);
    const length = String(Math.max(1, Math.min(r.pick([1, 2, 16, P, P + 8, 3 * P]), m.pages * P - at)));
    switch (r.int(9)) {
      case 0:
      case 1:
        return { do: 'hostRead', map, offset, length };
      case 2:
      case 3:
        return { do: 'hostWrite', map, offset, bytes: 'a5b4' };
      case 4:
      case 5:
        return { do: 'hostFill', map, offset, length, byte: r.int(256) };
      case 6:
        return { do: 'madvise', map, advice: r.pick(MADV_ADVICE.entries().map(([name]) => name)) };
      default:
        return { do: 'mprotect', map, prot: r.int(8) };
    }
  } },
  // NUMA memory policy on a mapping (mm/mempolicy.c's checks in order, then where the policy
  // lives). Nodes lean on what a machine has (0, the second node 1) and on the edges: MAX_NUMNODES
  // (1024) and a mask longer than get_nodes takes (maxnode - 1 above 32768 bits).
  { weight: 2, targets: ['mempolicy.'], gen: (r, n) => {
    if (!n.maps.length) return undefined;
    const m = r.pick(n.maps);
    const map = m.name;
    const at = String(r.int(m.pages) * P + (r.chance(0.1) ? r.pick([1, P - 1]) : 0));
    switch (r.int(4)) {
      case 0:
        return { do: 'getMempolicy', map, offset: at };
      case 1: {
        // Looking up a page's node faults it in for reading: a mapping without PROT_READ refuses.
        const look: Step = { do: 'pageNode', map, offset: at };
        return r.chance(0.15) ? [{ do: 'mprotect', map, prot: r.pick([0, 2]) }, look] : look;
      }
      default: {
        const step: StepOf<'mbind'> = { do: 'mbind', map, mode: r.chance(0.9) ? r.pick(MPOL_MODES.entries().map(([name]) => name)) : r.pick([7, 999, r.int(2 ** 31)]) };
        // DEFAULT, LOCAL and PREFERRED (local allocation) are the modes that may name no node, and
        // then may not take STATIC or RELATIVE.
        const nodeless = ['MPOL_DEFAULT', 'MPOL_LOCAL', 'MPOL_PREFERRED'].includes(String(step.mode)) && r.chance(0.5);
        if (!nodeless && r.chance(0.8)) step.nodes = r.pick([[0], [0], [1], [0, 1], [], [1023], [1024]]);
        if (r.chance(nodeless ? 0.6 : 0.3)) step.modeFlags = r.pick([['MPOL_F_STATIC_NODES'], ['MPOL_F_RELATIVE_NODES'], ['MPOL_F_NUMA_BALANCING'], ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES']]);
        if (r.chance(0.1)) step.maxnode = r.pick(['0', '1', '2', '65', '32769', '32770', '2^64-1']);
        if (r.chance(0.25)) step.flags = r.pick([['MPOL_MF_STRICT'], ['MPOL_MF_MOVE'], ['MPOL_MF_MOVE_ALL'], ['MPOL_MF_STRICT', 'MPOL_MF_MOVE'], ['MPOL_MF_LAZY'], '0x10']);
        if (r.chance(0.5)) {
          // Inside the mapping (past it, the API refuses before either backend is asked).
          const first = r.int(m.pages);
          const unaligned = r.chance(0.1) ? 1 : 0;
          step.offset = String(first * P + unaligned);
          // Mostly some pages (a length of 0 changes nothing: no policy is even built).
          const room = m.pages - first - unaligned;
          step.length = String(room > 0 && r.chance(0.9) ? (1 + r.int(room)) * P : 0);
        }
        return step;
      }
    }
  } },
  { weight: 5, targets: ['memslot.'], gen: (r, n) => {
    const vm = vmOf(r, n);
    if (!vm) return undefined;
    const v2 = r.chance(0.8);
    const step: StepOf<'setUserMemoryRegion2'> = {
      do: 'setUserMemoryRegion2',
      vm,
      slot: r.pick(['0', '1', '2', '3', '32763', '32764', '65536', '65537', '131072', String(r.int(70000))]),
      flags: r.chance(0.7) ? r.pick(['0x4', '0x4', '0x0', '0x1', '0x2', '0x5', '0x6']) : flagBits(r, 4, 0.2),
      guestPhysAddr: r.pick(['0', '0x100000', '0x200000', '2^32', '2^52-4096', '2^52', '2^64-4096', String(r.int(16) * P), '1']),
      memorySize: r.pick(['0', '4096', '8192', '16384', '4097', '2^43', '2^47', '65536']),
    };
    // Scenarios may only point a slot at 0 or into a mapping they made (an unaligned one too).
    if (r.chance(0.5)) step.userspaceAddr = n.maps.length && r.chance(0.5) ? { mappingOf: r.pick(n.maps).name, plus: r.pick(['0', '0', '1', '4096']) } : '0';
    if (v2) {
      const choices = [...n.files.map((f) => f.name), ...n.files.map((f) => f.name), ...n.vms, ...n.plain, 'kvm', '999999', '0', '0xffffffff'];
      step.guestMemfd = r.pick(choices);
      step.guestMemfdOffset = r.pick(['0', '4096', '8192', '1', '2^63-4096', '2^63', '2^64-4096', '12288']);
    }
    n.slots.push({ vm, gpa: num(step.guestPhysAddr), pages: Number(num(step.memorySize) / 4096n) });
    return v2 ? step : { ...step, do: 'setUserMemoryRegion' };
  } },
  { weight: 1, targets: ['close.'], gen: (r, n) => {
    const all = [...n.vms, ...n.files.map((f) => f.name), ...n.maps.map((m) => m.name), ...n.plain, ...n.pins];
    if (!all.length) return undefined;
    return { do: 'close', handle: r.pick(all) };
  } },
  { weight: 2, targets: ['file.', 'seals.'], gen: (r, n) => {
    if (!n.files.length) return undefined;
    const file = r.pick(n.files).name;
    switch (r.int(9)) {
      case 0:
        return { do: 'fileRead', file, length: r.pick(['0', '8']) };
      case 1:
        return { do: 'pread', file, length: '8', position: r.pick(['0', '2^63', '4096']) };
      case 2:
        return { do: 'lseek', file, offset: r.pick(['0', '4096', '2^63']), whence: String(r.int(7)) };
      case 3:
        return { do: 'ftruncate', file, length: u64(r) };
      case 4:
        return { do: 'stat', file };
      case 5:
        return { do: 'fchmod', file, mode: r.pick(['0', '420', '511']) };
      case 6:
        return { do: 'fileWrite', file, bytes: 'a5' };
      case 7:
        return { do: 'pwrite', file, bytes: 'a5', position: r.pick(['0', '2^63', '4096']) };
      default:
        return { do: 'fsync', file };
    }
  } },
  { weight: 1, targets: [], gen: (r) => ({ do: 'checkExtension', cap: r.pick(['KVM_CAP_GUEST_MEMFD_FLAGS', 'KVM_CAP_VM_TYPES', 'KVM_CAP_MEMORY_ATTRIBUTES', '250', '0x100000000', 'KVM_CAP_NR_MEMSLOTS']) }) },
  // Guest accesses, where the MMU's rules live: slots, private/shared, error pfns, exits. Each
  // runs a vCPU on the kernel (the dearest call there): a low weight, raised by steering while
  // guest rules are missing.
  { weight: 1, targets: ['guest.'], gen: (r, n) => {
    const vm = vmOf(r, n);
    if (!vm) return undefined;
    const gpa = String(guestAddress(r, n, vm));
    const kind = accessKind(r, n, vm, 0.3);
    const length = String(r.pick([1, 8, P, 2 * P]));
    return r.chance(0.5) ? { do: 'guestRead', vm, gpa, length, ...kind } : { do: 'guestWrite', vm, gpa, length, fill: r.int(256), ...kind };
  } },
  { weight: 2, targets: ['attributes.'], gen: (r, n) => {
    const vm = vmOf(r, n);
    if (!vm) return undefined;
    const address = r.chance(0.8) ? String(guestAddress(r, n, vm) & ~4095n) : u64(r);
    return { do: 'setMemoryAttributes', vm, address, size: r.chance(0.8) ? String(r.pick([1, 2, 4]) * P) : u64(r), attributes: r.chance(0.85) ? r.pick(['0x8', '0x0']) : flagBits(r, 4, 0.2), ...(r.chance(0.1) ? { flags: '1' } : {}) };
  } },
];

/** The calls only some profiles have: in-place conversion and pins. */
const CONVERSION: Generator[] = [
  { weight: 4, targets: ['conversion.', 'attributes2.', 'convert.'], gen: (r, n) => {
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const offset = r.chance(0.8) ? String(r.int(Math.max(1, Number(f.size / 4096n))) * P) : u64(r, f.size);
    const size = r.chance(0.8) ? String(r.pick([1, 1, 2, 4]) * P) : u64(r, f.size);
    if (n.profile.inPlace?.ioctl === 'attributes2' && r.chance(0.3)) {
      return { do: 'setMemoryAttributes2', file: f.name, offset, size, attributes: r.chance(0.8) ? r.pick(['0x8', '0x0']) : flagBits(r, 4, 0.2), ...(r.chance(0.1) ? { flags: '1' } : {}), ...(r.chance(0.1) ? { reserved: [0, 1] } : {}) };
    }
    return { do: r.chance(0.5) ? 'convertToPrivate' : 'convertToShared', file: f.name, offset, size };
  } },
  { weight: 2, targets: ['pin.'], gen: (r, n) => {
    if (n.pins.length && r.chance(0.4)) return { do: 'release', pin: r.pick(n.pins) };
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const as = fresh(n, 'pin');
    n.pins.push(as);
    return { do: 'pin', file: f.name, as, offset: r.chance(0.8) ? String(r.int(4) * P) : u64(r, f.size), length: r.chance(0.8) ? String(P) : u64(r, f.size) };
  } },
];

/**
 * Targeted sub-generators: a few steps that build a state the random steps rarely reach, each
 * ending in the call that meets it. They add to the breadth; they do not replace it.
 */
const TARGETED: Generator[] = [
  // One file bound by two slots over overlapping file ranges.
  { weight: 1, targets: ['memslot.bind.overlap', 'memslot.bind.ok'], gen: (r, n) => {
    const { vm, made } = vmOfType(r, n, r.pick([0, 1]));
    const f = fresh(n, 'f');
    n.files.push({ name: f, size: 4n * 4096n, vm });
    const second = r.pick(['0', '4096', '8192']);
    n.slots.push({ vm, gpa: 1n << 32n, pages: 2 }, { vm, gpa: 0x100000n, pages: 2 });
    return [
      ...made,
      { do: 'createGuestMemfd', vm, as: f, size: String(4 * P), flags: r.pick(['0x0', '0x1', '0x3']) },
      { do: 'setUserMemoryRegion2', vm, slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: String(2 * P), guestMemfd: f, guestMemfdOffset: '0' },
      { do: 'setUserMemoryRegion2', vm, slot: '2', flags: '0x4', guestPhysAddr: '0x100000', memorySize: String(2 * P), guestMemfd: f, guestMemfdOffset: second },
    ];
  } },
  // An ordinary slot over a guest_memfd mapping: a private page behind it cannot be faulted in,
  // and get_user_pages decides by the mapping's protection and what the host touched before.
  { weight: 1, targets: ['guest.error-pfn', 'guest.gup.vma-flags', 'guest.access.ok', 'memslot.create.ok'], gen: (r, n) => {
    const { vm, made } = vmOfType(r, n, r.pick([0, 1]));
    const f = fresh(n, 'f');
    const m = fresh(n, 'm');
    n.files.push({ name: f, size: 2n * 4096n, vm });
    n.maps.push({ name: m, pages: 2, file: f });
    n.slots.push({ vm, gpa: 0x100000n, pages: 2 });
    const steps: Step[] = [
      ...made,
      { do: 'createGuestMemfd', vm, as: f, size: String(2 * P), flags: r.pick(['0x3', '0x1']) },
      { do: 'mmap', file: f, as: m, length: String(2 * P) },
      { do: 'setUserMemoryRegion2', vm, slot: '0', flags: r.chance(0.8) ? '0x0' : '0x2', guestPhysAddr: '0x100000', memorySize: String(2 * P), userspaceAddr: { mappingOf: m, plus: '0' } },
    ];
    if (r.chance(0.5)) steps.push({ do: 'hostFill', map: m, offset: String(r.int(2) * P), length: String(P), byte: r.int(256) });
    if (r.chance(0.5)) steps.push({ do: 'mprotect', map: m, prot: r.int(4) });
    if (n.profile.inPlace && r.chance(0.5)) steps.push({ do: 'convertToPrivate', file: f, offset: '0', size: String(P) });
    const gpa = r.pick(['0x100000', '0x101000']);
    steps.push(r.chance(0.5) ? { do: 'guestRead', vm, gpa, length: '8' } : { do: 'guestWrite', vm, gpa, length: '8', fill: 7 });
    return steps;
  } },
  // A private/shared mismatch: attributes say one thing, the access another.
  { weight: 1, targets: ['guest.memory-fault', 'attributes.set.ok'], gen: (r, n) => {
    const { vm, made } = vmOfType(r, n, 1);
    const f = fresh(n, 'f');
    n.files.push({ name: f, size: 4n * 4096n, vm });
    n.slots.push({ vm, gpa: 1n << 32n, pages: 4 });
    const steps: Step[] = [
      ...made,
      { do: 'createGuestMemfd', vm, as: f, size: String(4 * P), flags: r.pick(['0x0', '0x1', '0x3']) },
      { do: 'setUserMemoryRegion2', vm, slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: String(4 * P), guestMemfd: f, guestMemfdOffset: '0' },
    ];
    if (n.profile.inPlace) steps.push({ do: r.chance(0.5) ? 'convertToPrivate' : 'convertToShared', file: f, offset: '0', size: String(P) });
    else steps.push({ do: 'setMemoryAttributes', vm, address: '2^32', size: String(P), attributes: r.pick(['0x8', '0x0']) });
    steps.push({ do: 'guestRead', vm, gpa: '2^32', length: '8', ...accessKind(r, n, vm, 1) });
    return steps;
  } },
  // A conversion of a pinned page.
  { weight: 1, targets: ['conversion.pinned', 'pin.'], gen: (r, n) => {
    if (!n.profile.inPlace) return undefined;
    const { vm, made } = vmOfType(r, n, 1);
    const f = fresh(n, 'f');
    const pin = fresh(n, 'pin');
    n.files.push({ name: f, size: 4n * 4096n, vm });
    n.pins.push(pin);
    return [
      ...made,
      { do: 'createGuestMemfd', vm, as: f, size: String(4 * P), flags: '0x3' },
      { do: 'pin', file: f, as: pin, offset: String(r.int(2) * P), length: String(P) },
      { do: 'convertToPrivate', file: f, offset: '0', size: String(2 * P) },
    ];
  } },
  // Lifetimes: a file or /dev/kvm closed under a live slot, then the guest touches it.
  { weight: 1, targets: ['guest.', 'close.ok'], gen: (r, n) => {
    const { vm, made } = vmOfType(r, n, r.pick([0, 1]));
    const f = fresh(n, 'f');
    n.slots.push({ vm, gpa: 1n << 32n, pages: 2 });
    return [
      ...made,
      { do: 'createGuestMemfd', vm, as: f, size: String(2 * P), flags: r.pick(['0x0', '0x3']) },
      { do: 'setUserMemoryRegion2', vm, slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: String(2 * P), guestMemfd: f, guestMemfdOffset: '0' },
      { do: 'close', handle: r.chance(0.7) ? f : 'kvm' },
      { do: 'guestRead', vm, gpa: '2^32', length: '8', ...accessKind(r, n, vm, 0.5) },
    ];
  } },
];

/** Hits after which a rule counts as well met. */
const SATURATED = 200;
/** Sequences without a new rule met after which the rules still open count as out of reach. */
const STALE_AFTER = 1500;

/**
 * Steering: a generator's weight grows with the rules it aims at that the run has not met yet,
 * so the run spends its time where coverage is missing; met rules leave the default weights.
 */
export class Steering {
  private readonly open: Set<string>;
  private sequences = 0;
  private lastProgress = 0;
  /** The rule ids each generator aims at, worked out once (weights are asked every sequence). */
  private readonly aimed = new Map<Generator, readonly string[]>();

  constructor(
    private readonly profile: Profile,
    private readonly coverage: Coverage,
  ) {
    this.open = new Set(rulesFor(profile).filter((r) => !r.unreachable).map((r) => r.id));
  }

  /** The weights for the next sequence, given what has been met so far. */
  weights(gens: readonly Generator[]): number[] {
    this.sequences++;
    const before = this.open.size;
    for (const id of this.open) if (this.coverage.counts.has(id)) this.open.delete(id);
    if (this.open.size < before) this.lastProgress = this.sequences;
    // Rules this kernel cannot show (a VM type it lacks) stay open for good: after a while with
    // no new rule met, steering stops paying for them.
    const stale = this.sequences - this.lastProgress > STALE_AFTER;
    return gens.map((g) => {
      const ids = this.aimedBy(g);
      let missing = 0;
      for (const id of ids) if (this.open.has(id)) missing++;
      if (missing && !stale) return g.weight * (1 + Math.min(missing, 4));
      // Every rule it aims at is well met (or out of reach): it steps back for the others (guest
      // accesses and whole VMs are the dearest calls on a kernel), but keeps a share of the breadth.
      let least = Infinity;
      for (const id of ids) {
        const n = this.coverage.counts.get(id);
        if (n !== undefined) least = Math.min(least, n);
      }
      return g.targets.length && (stale || least >= SATURATED) ? g.weight * 0.3 : g.weight;
    });
  }

  private aimedBy(g: Generator): readonly string[] {
    let ids = this.aimed.get(g);
    if (!ids) {
      ids = RULES.map((r) => r.id).filter((id) => g.targets.some((t) => id === t || id.startsWith(t)));
      this.aimed.set(g, ids);
    }
    return ids;
  }

  get profileName(): string {
    return this.profile.name;
  }
}

export interface GenerateOptions {
  profile: Profile;
  steering?: Steering | undefined;
  /** Stop generating (a shorter sequence) once this Date.now() has passed. */
  deadline?: number;
  /** The sequence will also run on a kernel (a differential run). */
  forKernel?: boolean;
}

/** The generators a profile can use. */
const generatorsFor = (p: Profile): Generator[] => [...BREADTH, ...(p.inPlace ? CONVERSION : []), ...TARGETED];

/** A random sequence of about `length` steps. */
export function randomSteps(r: Random, length: number, opts: GenerateOptions): Step[] {
  const names: Names = { vms: [], privateVms: [], vmTypes: new Map(), files: [], maps: [], plain: [], slots: [], pins: [], counter: 0, profile: opts.profile, forKernel: opts.forKernel === true };
  const gens = generatorsFor(opts.profile);
  const weights = opts.steering ? opts.steering.weights(gens) : gens.map((g) => g.weight);
  const total = weights.reduce((s, w) => s + w, 0);
  const steps: Step[] = [];
  let guard = 0;
  while (steps.length < length && guard++ < length * 20) {
    // A huge --max-length must not outlive the run's deadline while it is being generated.
    if (opts.deadline !== undefined && (guard & 1023) === 0 && Date.now() > opts.deadline) break;
    let roll = r.next() * total;
    const i = weights.findIndex((w) => (roll -= w) < 0);
    const made = gens[i]!.gen(r, names);
    if (Array.isArray(made)) steps.push(...made);
    else if (made) steps.push(made);
  }
  return steps;
}
