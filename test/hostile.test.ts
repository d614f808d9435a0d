/**
 * Hostile input to every public function: wrong types, negative, fractional, NaN, infinite,
 * unsafe and oversized numbers. Each must be a TypeError or RangeError, raised before anything
 * changes: descriptors, mappings, memslots, page state and contents are compared before and after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { isArgumentError } from '../src/args.js';
import { openKvm } from '../src/open.js';
import { modelInode, modelProcessCounts, modelVmState } from '../src/model/inspect.js';
import type { GuestMemfd, HostMapping, Kvm, Vm } from '../src/api.js';
import { backendCases, modelCase, type BackendCase } from './backends.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, KVM_MEM_GUEST_MEMFD } from '../src/uapi/flags.js';

const BAD_U64: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53 + 2, -1n, 1n << 64n, 1n << 200n, '4096', null, {}, [], true, Symbol('x')];
const BAD_U32: unknown[] = [...BAD_U64, 2 ** 32, 1n << 32n];
const BAD_BYTES: unknown[] = [null, 5, 'abc', {}, [1, 2], undefined];
const BAD_OPTIONS: unknown[] = [null, 5, 'x', [], true];

interface World {
  kvm: Kvm;
  vm: Vm;
  file: GuestMemfd;
  map: HostMapping;
}

function world(backend: BackendCase): World {
  const kvm = backend.open();
  const vm = kvm.createVm();
  const file = vm.createGuestMemfd({ size: 4 * 4096, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
  const map = file.mmap();
  map.fill(0, 8192, 0x5a); // The snapshot reads these pages: fault them in first.
  vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0, memorySize: 4096, guestMemfd: file });
  return { kvm, vm, file, map };
}

/** Everything a call could have changed: all of the model's state; on the kernel, what a process can see. */
function snapshot(w: World): string {
  const common = { bytes: [...w.map.read(0, 8), ...w.map.read(4096, 8)], prot: w.map.prot };
  const counts = modelProcessCounts(w.kvm);
  if (!counts) {
    return JSON.stringify({
      ...common,
      fds: readdirSync('/proc/self/fd').length,
      // Only guest_memfd mappings: the rest of the address space moves with the JavaScript heap.
      gmemMappings: readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('kvm-gmem')).length,
    });
  }
  const inode = modelInode(w.file)!;
  const vmState = modelVmState(w.vm)!;
  return JSON.stringify({
    ...common,
    fds: counts.openDescriptors,
    maps: counts.liveMappings,
    slots: [...vmState.slots.values()].map((s) => [s.key, s.baseGfn, s.npages, s.flags]),
    pages: [...inode.pageState.ranges()].map((r) => [r.start, r.end, r.value]),
    stored: inode.contents.storedPages,
    bindings: inode.bindingCount,
    pins: inode.pins.livePins,
    attributes: [...inode.attributes.ranges()].map((r) => [r.start, r.end, r.value]),
  });
}

type Call = [name: string, bad: unknown[], call: (w: World, bad: any) => unknown];

const CALLS: Call[] = [
  ['kvm.checkExtension(cap)', [...BAD_U64.filter((v) => typeof v !== 'string'), 'KVM_CAP_NOPE'], (w, v) => w.kvm.checkExtension(v)],
  ['kvm.createVm(type)', [...BAD_U64.filter((v) => typeof v !== 'string'), 'KVM_X86_NOPE'], (w, v) => w.kvm.createVm(v)],
  ['kvm.memfdCreate(name)', [5, {}, null], (w, v) => w.kvm.memfdCreate(v)],
  ['vm.checkExtension(cap)', BAD_U64.filter((v) => typeof v !== 'string'), (w, v) => w.vm.checkExtension(v)],
  ['vm.createGuestMemfd(args)', [...BAD_OPTIONS, undefined, {}], (w, v) => w.vm.createGuestMemfd(v)],
  ['vm.createGuestMemfd({size})', BAD_U64, (w, v) => w.vm.createGuestMemfd({ size: v })],
  ['vm.createGuestMemfd({flags})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.createGuestMemfd({ size: 4096, flags: v })],
  ['vm.createGuestMemfd({reserved})', [[-1], [1, 2, 3, 4, 5, 6, 7], 'x', [1.5]], (w, v) => w.vm.createGuestMemfd({ size: 4096, reserved: v })],
  ['vm.setUserMemoryRegion2(region)', [...BAD_OPTIONS, undefined, {}, { slot: 1 }], (w, v) => w.vm.setUserMemoryRegion2(v)],
  ['vm.setUserMemoryRegion2({slot})', BAD_U32.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: v, guestPhysAddr: 0x10000, memorySize: 4096 })],
  ['vm.setUserMemoryRegion2({flags})', BAD_U32.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, flags: v, guestPhysAddr: 0x10000, memorySize: 4096 })],
  ['vm.setUserMemoryRegion2({guestPhysAddr})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, guestPhysAddr: v, memorySize: 4096 })],
  ['vm.setUserMemoryRegion2({memorySize})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, guestPhysAddr: 0x10000, memorySize: v })],
  ['vm.setUserMemoryRegion2({userspaceAddr})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, guestPhysAddr: 0x10000, memorySize: 4096, userspaceAddr: v })],
  ['vm.setUserMemoryRegion2({guestMemfdOffset})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0x10000, memorySize: 4096, guestMemfd: w.file, guestMemfdOffset: v })],
  ['vm.setUserMemoryRegion2({guestMemfd})', [-1, 1.5, 2 ** 32, '5', {}, { fd: 5 }, null], (w, v) => w.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 0x10000, memorySize: 4096, guestMemfd: v })],
  ['vm.setUserMemoryRegion({guestMemfd}) (v1 has no such field)', [5], (w, v) => w.vm.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x10000, memorySize: 4096, guestMemfd: v } as never)],
  ['vm.setMemoryAttributes(args)', [...BAD_OPTIONS, {}], (w, v) => w.vm.setMemoryAttributes(v)],
  ['vm.setMemoryAttributes({address})', BAD_U64.filter((v) => v !== null), (w, v) => w.vm.setMemoryAttributes({ address: v, size: 4096, attributes: 0 })],
  ['vm.createVcpu(id)', BAD_U32, (w, v) => w.vm.createVcpu(v)],
  ['vm.guest.read(gpa)', BAD_U64, (w, v) => w.vm.guest.read(v, 1)],
  ['vm.guest.read(_, length)', [-1, 1.5, NaN, 2 ** 53, '1', null], (w, v) => w.vm.guest.read(0, v)],
  ['vm.guest.read(_, _, options)', [...BAD_OPTIONS, { kind: 'secret' }, { kind: 'private' }], (w, v) => w.vm.guest.read(0, 1, v)],
  ['vm.guest.write(_, data)', BAD_BYTES, (w, v) => w.vm.guest.write(0, v)],
  ['vm.guest.write(gpa past 2^64)', [0xffff_ffff_ffff_ffffn], (w, v) => w.vm.guest.write(v, new Uint8Array(2))],
  ['file.fallocate(mode)', BAD_U32, (w, v) => w.file.fallocate(v, 0, 4096)],
  ['file.fallocate(_, offset)', BAD_U64, (w, v) => w.file.fallocate(3, v, 4096)],
  ['file.punchHole(_, len)', BAD_U64, (w, v) => w.file.punchHole(0, v)],
  ['file.allocate(offset)', BAD_U64, (w, v) => w.file.allocate(v, 4096)],
  ['file.mmap(options)', BAD_OPTIONS, (w, v) => w.file.mmap(v)],
  ['file.mmap({offset})', BAD_U64.filter((v) => v !== null), (w, v) => w.file.mmap({ offset: v })],
  ['file.mmap({length})', BAD_U64.filter((v) => v !== null), (w, v) => w.file.mmap({ length: v })],
  ['file.mmap({prot})', [...BAD_U32.filter((v) => v !== null), 8, 0x10], (w, v) => w.file.mmap({ prot: v })],
  ['file.mmap({flags})', [...BAD_U32.filter((v) => v !== null), 0, 0x10, 0x21], (w, v) => w.file.mmap({ flags: v })],
  ['file.read(length)', [-1, 1.5, NaN, '1', null], (w, v) => w.file.read(v)],
  ['file.write(data)', BAD_BYTES, (w, v) => w.file.write(v)],
  ['file.pread(_, position)', BAD_U64, (w, v) => w.file.pread(1, v)],
  ['file.pwrite(_, position)', BAD_U64, (w, v) => w.file.pwrite(new Uint8Array(1), v)],
  ['file.lseek(_, whence)', BAD_U32, (w, v) => w.file.lseek(0, v)],
  ['file.ftruncate(length)', BAD_U64, (w, v) => w.file.ftruncate(v)],
  ['file.fchmod(mode)', BAD_U32, (w, v) => w.file.fchmod(v)],
  ['file.conversion.setMemoryAttributes2(args)', [...BAD_OPTIONS, {}, { offset: 0, size: 4096 }], (w, v) => w.file.conversion!.setMemoryAttributes2(v)],
  ['file.conversion.setMemoryAttributes2({offset})', BAD_U64.filter((v) => v !== null), (w, v) => w.file.conversion!.setMemoryAttributes2({ offset: v, size: 4096, attributes: 8 })],
  ['file.conversion.setMemoryAttributes2({reserved})', [[-1], new Array(12).fill(0), 'x', [1.5], [1n << 64n]], (w, v) => w.file.conversion!.setMemoryAttributes2({ offset: 0, size: 4096, attributes: 8, reserved: v })],
  ['file.conversion.gmemConvert(to)', ['PRIVATE', 5, null, {}], (w, v) => w.file.conversion!.gmemConvert(v, { offset: 0, size: 4096 })],
  ['file.conversion.gmemConvert(_, args)', [...BAD_OPTIONS, { offset: 0 }, { offset: 0, size: 4096, errorOffset: -1 }, { offset: 0, size: 4096, reserved: [1, 2, 3, 4, 5, 6] }], (w, v) => w.file.conversion!.gmemConvert('shared', v)],
  ['file.conversion.toPrivate(offset)', BAD_U64, (w, v) => w.file.conversion!.toPrivate(v, 4096)],
  ['file.conversion.toShared(_, size)', BAD_U64, (w, v) => w.file.conversion!.toShared(0, v)],
  ['file.pins.pin(offset)', BAD_U64, (w, v) => w.file.pins!.pin(v, 4096)],
  ['file.seals.addSeals(flags)', BAD_U64, (w, v) => w.file.seals!.addSeals(v)],
  ['vm.guest.mappingLevel(gpa)', BAD_U64, (w, v) => w.vm.guest.mappingLevel(v)],
  ['file.pins.pin(_, length)', BAD_U64, (w, v) => w.file.pins!.pin(0, v)],
  ['map.read(offset)', BAD_U64, (w, v) => w.map.read(v, 1)],
  ['map.read(_, length)', [-1, 1.5, NaN, 2 ** 40, null], (w, v) => w.map.read(0, v)],
  ['map.write(_, data)', BAD_BYTES, (w, v) => w.map.write(0, v)],
  ['map.readInto(_, dest)', [...BAD_BYTES, new Uint16Array(2), new Uint8Array(5 * 4096)], (w, v) => w.map.readInto(0, v)],
  ['map.fill(_, _, byte)', [256, -1, 1.5, NaN, '1', null, 1n], (w, v) => w.map.fill(0, 4096, v)],
  ['map.fill(_, length)', BAD_U64, (w, v) => w.map.fill(0, v, 1)],
  ['map.mprotect(prot)', [...BAD_U32, 8], (w, v) => w.map.mprotect(v)],
];

// inplace and granular: profiles whose files have the proposals' parts (conversion, pins, seals).
for (const backend of [...backendCases(), modelCase('inplace'), modelCase('granular')]) describe(`hostile input [${backend.label}]: a TypeError or RangeError with one of Node's argument codes, and nothing changes`, { skip: backend.skip }, () => {
  for (const [name, values, call] of CALLS) {
    it(name, (t) => {
      const w = world(backend);
      // A proposal's part exists only where the backend has it: its arguments are checked there.
      const part = /^file\.(conversion|pins|seals)\./.exec(name)?.[1] as 'conversion' | 'pins' | 'seals' | undefined;
      try {
        if (part && w.file[part] === undefined) return t.skip(`no ${part} part on ${backend.label}`);
        const before = snapshot(w);
        for (const value of values) {
          assert.throws(
            () => call(w, value),
            (err: unknown) => isArgumentError(err),
            `${name} with ${typeof value === 'symbol' ? 'a symbol' : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`,
          );
          assert.equal(snapshot(w), before, `${name} changed state`);
        }
      } finally {
        w.map.unmap();
        w.file.close();
        w.vm.close();
        w.kvm.close();
      }
    });
  }

});

describe('hostile input to openKvm', () => {
  it('openKvm with a bad options object, backend or profile', () => {
    for (const bad of BAD_OPTIONS) assert.throws(() => openKvm(bad as never), TypeError);
    assert.throws(() => openKvm({ backend: 'x' as never }), RangeError);
    assert.throws(() => openKvm({ profile: 5 as never }), TypeError);
  });
});
