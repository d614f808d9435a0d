/**
 * Random operation sequences for the differential fuzzer, written as scenario steps (so a finding
 * is a scenario file that reproduces it). Values lean on the edges where rules live: 0, 1,
 * page - 1, page, the file size, 2^62, 2^63 and its neighbours, 2^64 - page.
 */
import type { Step, StepOf } from '../scenario/types.js';
import type { Random } from './random.js';
import { u64Value } from '../scenario/values.js';

const P = 4096;
const EDGE_U64 = ['0', '1', '4095', '4096', '8192', '16384', '65536', '2^62', '2^63-4096', '2^63', '2^64-4096', '2^64-1'];

interface Names {
  vms: string[];
  files: { name: string; size: bigint }[];
  maps: { name: string; pages: number }[];
  plain: string[];
  counter: number;
}

const fresh = (n: Names, prefix: string) => `${prefix}${n.counter++}`;

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

/** Mostly sizes that work (so later steps have a file), sometimes the edges. */
function fileSize(r: Random): string {
  if (r.chance(0.8)) return String((r.int(16) + 1) * P);
  return r.pick(['0', '1', '4095', '2^62', '2^63', '2^63-4096', '2^64-4096']);
}

type Gen = (r: Random, n: Names) => Step | undefined;

const GENERATORS: [number, Gen][] = [
  [2, (r, n) => {
    const name = fresh(n, 'vm');
    n.vms.push(name);
    return { do: 'createVm', as: name, type: r.chance(0.9) ? 0 : r.pick([1, 2, 5, 31, 32]) };
  }],
  [4, (r, n) => {
    if (!n.vms.length) return undefined;
    const name = fresh(n, 'f');
    const size = fileSize(r);
    const bits = r.chance(0.8) ? r.pick(['0x3', '0x3', '0x1', '0x0', '0x2']) : flagBits(r, 3, 0.2);
    n.files.push({ name, size: u64Value(size, 'fuzz file size') });
    return { do: 'createGuestMemfd', vm: r.pick(n.vms), as: name, size, flags: bits, ...(r.chance(0.1) ? { reserved: [1] } : {}) };
  }],
  [1, (_r, n) => {
    const name = fresh(n, 'plain');
    n.plain.push(name);
    return { do: 'memfdCreate', as: name };
  }],
  [4, (r, n) => {
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const mode = r.pick([1, 1, 3, 3, 0, 2, 0x11, 0x9, 0x21, 0x41, 0x80, 0x81, 0x5, 0x101, r.int(256)]);
    const offset = u64(r, f.size);
    // An allocation the kernel accepts takes real memory: keep accepted ones small, and let the
    // large lengths be the ones that go past the file (refused before anything is allocated).
    const len = (mode & 0xff) === 1 ? r.pick(['0', '1', '4095', '4096', '8192', '65536', '2^63', '2^64-4096', String(f.size + 4096n)]) : u64(r, f.size);
    return { do: 'fallocate', file: f.name, mode, offset, len };
  }],
  [4, (r, n) => {
    if (!n.files.length) return undefined;
    const f = r.pick(n.files);
    const name = fresh(n, 'm');
    const step: Step = { do: 'mmap', file: f.name, as: name };
    if (r.chance(0.4)) step.offset = r.chance(0.8) ? String(r.int(4) * P) : u64(r, f.size);
    const pages = r.int(8) + 1;
    step.length = r.chance(0.8) ? String(pages * P) : r.pick(['0', '1', '4097', '2^40', '2^64-1', String(f.size)]);
    n.maps.push({ name, pages });
    if (r.chance(0.3)) step.prot = r.int(8);
    if (r.chance(0.2)) step.flags = r.pick([1, 2, 3]);
    return step;
  }],
  [8, (r, n) => {
    if (!n.maps.length) return undefined;
    const m = r.pick(n.maps);
    const map = m.name;
    // Mostly inside the mapping (past it, the API refuses before either backend is asked).
    const at = r.int(m.pages) * P + r.pick([0, 0, 1, P - 2]);
    const offset = String(at);
    const length = String(Math.max(1, Math.min(r.pick([1, 2, 16, P, P + 8, 3 * P]), m.pages * P - at)));
    switch (r.int(4)) {
      case 0:
        return { do: 'hostRead', map, offset, length };
      case 1:
        return { do: 'hostWrite', map, offset, bytes: 'a5b4' };
      case 2:
        return { do: 'hostFill', map, offset, length, byte: r.int(256) };
      default:
        return { do: 'mprotect', map, prot: r.int(8) };
    }
  }],
  [5, (r, n) => {
    if (!n.vms.length) return undefined;
    const v2 = r.chance(0.8);
    const step: StepOf<'setUserMemoryRegion2'> = {
      do: 'setUserMemoryRegion2',
      vm: r.pick(n.vms),
      slot: r.pick(['0', '1', '2', '3', '32763', '32764', '65536', '65537', String(r.int(70000))]),
      flags: r.chance(0.7) ? r.pick(['0x4', '0x4', '0x0', '0x1', '0x2', '0x5', '0x6']) : flagBits(r, 4, 0.2),
      guestPhysAddr: r.pick(['0', '0x100000', '0x200000', '2^32', '2^52-4096', '2^52', '2^64-4096', String(r.int(16) * P), '1']),
      memorySize: r.pick(['0', '4096', '8192', '16384', '4097', '2^43', '65536']),
    };
    // Scenarios may only point a slot at 0 or into a mapping they made (an unaligned one too).
    if (r.chance(0.5)) step.userspaceAddr = n.maps.length && r.chance(0.5) ? { mappingOf: r.pick(n.maps).name, plus: r.pick(['0', '0', '1', '4096']) } : '0';
    if (v2) {
      const choices = [...n.files.map((f) => f.name), ...n.files.map((f) => f.name), ...n.vms, ...n.plain, 'kvm', '999999', '0', '0xffffffff'];
      step.guestMemfd = r.pick(choices);
      step.guestMemfdOffset = r.pick(['0', '4096', '8192', '1', '2^63-4096', '2^63', '2^64-4096', '12288']);
    }
    return v2 ? step : { ...step, do: 'setUserMemoryRegion' };
  }],
  [1, (r, n) => {
    const all = [...n.vms, ...n.files.map((f) => f.name), ...n.maps.map((m) => m.name), ...n.plain];
    if (!all.length) return undefined;
    return { do: 'close', handle: r.pick(all) };
  }],
  [2, (r, n) => {
    if (!n.files.length) return undefined;
    const file = r.pick(n.files).name;
    switch (r.int(6)) {
      case 0:
        return { do: 'fileRead', file, length: r.pick(['0', '8']) };
      case 1:
        return { do: 'pread', file, length: '8', position: r.pick(['0', '2^63', '4096']) };
      case 2:
        return { do: 'lseek', file, offset: '0', whence: String(r.int(7)) };
      case 3:
        return { do: 'ftruncate', file, length: u64(r) };
      case 4:
        return { do: 'stat', file };
      default:
        return { do: 'fsync', file };
    }
  }],
  [1, (r) => ({ do: 'checkExtension', cap: r.pick(['KVM_CAP_GUEST_MEMFD_FLAGS', 'KVM_CAP_VM_TYPES', 'KVM_CAP_MEMORY_ATTRIBUTES', '250', '0x100000000', 'KVM_CAP_NR_MEMSLOTS']) })],
];

const TOTAL_WEIGHT = GENERATORS.reduce((s, [w]) => s + w, 0);


/** A random sequence of `length` steps. */
export function randomSteps(r: Random, length: number): Step[] {
  const names: Names = { vms: [], files: [], maps: [], plain: [], counter: 0 };
  const steps: Step[] = [];
  let guard = 0;
  while (steps.length < length && guard++ < length * 20) {
    let roll = r.int(TOTAL_WEIGHT);
    const [, gen] = GENERATORS.find(([w]) => (roll -= w) < 0)!;
    const step = gen(r, names);
    if (step) steps.push(step);
  }
  return steps;
}
