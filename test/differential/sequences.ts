/**
 * Fixed operation sequences run on both backends by the differential test. Each covers one
 * area of the interface with ordinary and edge inputs; every step's outcome is compared.
 */
import type { FdHandle, GuestMemfd, HostMapping, Kvm, Vm } from '../../src/api.js';
import { KVM_CAPS } from '../../src/uapi/caps.js';
import {
  KVM_MEM_GUEST_MEMFD as GMEM,
  KVM_MEM_LOG_DIRTY_PAGES,
  KVM_MEM_READONLY,
  MAP_PRIVATE,
  MAP_SHARED_VALIDATE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from '../../src/uapi/flags.js';
import type { Recorder } from './recorder.js';

const P = 4096;
const T = 4 * P;
const MMAP = 1n;
const SHARED = 3n;
const U64_MAX = (1n << 64n) - 1n;
const LOFF_MIN = 1n << 63n;

export interface Sequence {
  name: string;
  run(kvm: Kvm, rec: Recorder, own: <H extends FdHandle | HostMapping>(h: H | undefined) => H | undefined): void;
}

const fileOf = (vm: Vm, rec: Recorder, own: Sequence['run'] extends (a: Kvm, b: Recorder, c: infer O) => void ? O : never, flags: bigint, size = T) =>
  own(rec.step(`create size ${size} flags ${flags}`, () => vm.createGuestMemfd({ size, flags })));

export const SEQUENCES: Sequence[] = [
  {
    name: 'capabilities at system scope and on a DEFAULT VM',
    run(kvm, rec, own) {
      // The capabilities the model knows, and numbers no 6.18 kernel knows (in-place conversion's are later).
      const caps = [...KVM_CAPS.entries().map(([, n]) => n), 245, 246, 247, 248, 249, 250, 251, 9999, 1 << 30];
      rec.step('KVM_GET_API_VERSION', () => kvm.getApiVersion());
      for (const cap of caps) rec.step(`system cap ${cap}`, () => kvm.checkExtension(cap));
      const vm = own(rec.step('create DEFAULT VM', () => kvm.createVm(0)));
      for (const cap of caps) rec.step(`vm cap ${cap}`, () => vm?.checkExtension(cap));
    },
  },
  {
    name: 'VM types',
    run(kvm, rec, own) {
      for (const type of [0, 1, 2, 3, 4, 5, 6, 31, 32, 63, 64]) own(rec.step(`create VM type ${type}`, () => kvm.createVm(type)));
    },
  },
  {
    name: 'KVM_CREATE_GUEST_MEMFD flags and sizes',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      for (let bit = 0n; bit < 64n; bit++) own(rec.step(`flag bit ${bit}`, () => vm.createGuestMemfd({ size: P, flags: 1n << bit })));
      for (const size of [0n, 1n, 4095n, 4096n, 4097n, 1n << 62n, (1n << 63n) - 4096n, 1n << 63n, U64_MAX - 4095n, U64_MAX]) {
        own(rec.step(`size ${size}`, () => vm.createGuestMemfd({ size, flags: 0n })));
      }
      own(rec.step('bad flags and bad size', () => vm.createGuestMemfd({ size: 1, flags: 4n })));
      own(rec.step('reserved words set', () => vm.createGuestMemfd({ size: P, reserved: [1, 2, 3, 4, 5, 6] })));
      own(rec.step('INIT_SHARED without MMAP', () => vm.createGuestMemfd({ size: P, flags: 2n })));
    },
  },
  {
    name: 'file calls and fstat',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      for (const flags of [0n, MMAP, SHARED]) {
        const f = fileOf(vm, rec, own, flags);
        if (!f) continue;
        rec.step('fstat', () => {
          const st = f.stat();
          return { size: st.size, blksize: st.blksize, blocks: st.blocks, mode: st.mode, nlink: st.nlink };
        });
        rec.step('read', () => f.read(64));
        rec.step('read 0', () => f.read(0));
        rec.step('write', () => f.write(new Uint8Array(64)));
        rec.step('pread', () => f.pread(64, 0));
        rec.step('pread at 2^63', () => f.pread(64, LOFF_MIN));
        rec.step('pwrite', () => f.pwrite(new Uint8Array(64), 0));
        rec.step('pwrite at 2^63', () => f.pwrite(new Uint8Array(64), LOFF_MIN));
        for (let whence = 0; whence <= 5; whence++) rec.step(`lseek whence ${whence}`, () => f.lseek(0, whence));
        rec.step('ftruncate', () => f.ftruncate(2 * T));
        rec.step('ftruncate 2^63', () => f.ftruncate(LOFF_MIN));
        rec.step('fsync', () => f.fsync());
        rec.step('fchmod', () => f.fchmod(0o644));
      }
    },
  },
  {
    name: 'fallocate modes, offsets and lengths',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      const f = fileOf(vm, rec, own, SHARED)!;
      const modes = [0, 1, 2, 3, 0x5, 0x8, 0x9, 0x10, 0x11, 0x13, 0x20, 0x21, 0x40, 0x41, 0x80, 0x81, 0x101, 0x83];
      const spans: [bigint, bigint][] = [
        [0n, BigInt(P)], [0n, 0n], [BigInt(P - 1), BigInt(P)], [0n, BigInt(P - 1)], [BigInt(T), BigInt(P)],
        [BigInt(T + P), BigInt(P)], [BigInt(T - P), BigInt(2 * P)], [LOFF_MIN - BigInt(P), BigInt(2 * P)],
        [LOFF_MIN - BigInt(P), BigInt(P)], [LOFF_MIN, BigInt(P)], [U64_MAX - 4095n, BigInt(P)], [0n, LOFF_MIN], [0n, BigInt(T)],
      ];
      for (const mode of modes) for (const [o, l] of spans) rec.step(`fallocate mode ${mode} (${o}, ${l})`, () => f.fallocate(mode, o, l));
    },
  },
  {
    name: 'mmap rules',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      for (const flags of [0n, MMAP, SHARED]) {
        const f = fileOf(vm, rec, own, flags);
        if (!f) continue;
        const tries: [string, Parameters<GuestMemfd['mmap']>[0]][] = [
          ['default', {}],
          ['one page', { length: P }],
          ['unaligned offset', { offset: 1 }],
          ['zero length', { length: 0 }],
          ['odd length', { length: 10 }],
          ['past the end', { offset: 2 * T, length: T }],
          ['4x the file', { length: 4 * T }],
          ['PROT_EXEC', { prot: PROT_READ | PROT_EXEC }],
          ['PROT_NONE', { prot: PROT_NONE }],
          ['read only', { prot: PROT_READ }],
          ['MAP_PRIVATE', { flags: MAP_PRIVATE }],
          ['MAP_PRIVATE exec', { flags: MAP_PRIVATE, prot: PROT_EXEC }],
          ['MAP_SHARED_VALIDATE', { flags: MAP_SHARED_VALIDATE }],
          ['length overflowing a page', { length: U64_MAX }],
          ['length 2^50', { length: 1n << 50n }],
          ['offset near 2^63', { offset: LOFF_MIN - BigInt(P), length: 2 * P }],
        ];
        for (const [label, opts] of tries) {
          const m = own(rec.step(`mmap ${label}`, () => f.mmap(opts)));
          if (m) rec.step(`length of ${label}`, () => m.length);
        }
      }
    },
  },
  {
    name: 'host access: SIGBUS, zero fill, punch and allocate',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      const shared = fileOf(vm, rec, own, SHARED)!;
      const m = own(rec.step('map 4x', () => shared.mmap({ length: 4 * T })))!;
      rec.step('fresh pages read zero', () => m.read(P - 2, 4));
      rec.step('fill all of the mapping', () => m.fill(0, 4 * T, 0xaa));
      rec.step('read at the file size', () => m.read(T, 1));
      rec.step('read across the end', () => m.read(T - 2, 4));
      rec.step('inside', () => m.read(T - 2, 2));
      rec.step('write across the end', () => m.write(T - P - 3, new Uint8Array(P + 6).fill(0x11)));
      rec.step('after partial write', () => m.read(T - 5, 5));
      rec.step('allocate keeps data', () => shared.allocate(0, T));
      rec.step('still there', () => m.read(0, 2));
      rec.step('punch page 1', () => shared.punchHole(P, P));
      rec.step('punched reads zero', () => m.read(P - 1, 2));
      rec.step('punch past the end', () => shared.punchHole(T - P, 100 * P));
      rec.step('last page zero', () => m.read(T - P, 1));
      rec.step('write read-only mapping', () => own(shared.mmap({ prot: PROT_READ }))?.write(0, new Uint8Array(1)));
      const ro = own(shared.mmap({ prot: PROT_READ }))!;
      rec.step('mprotect exec', () => ro.mprotect(PROT_READ | PROT_EXEC));
      rec.step('mprotect rw', () => ro.mprotect(PROT_READ | PROT_WRITE));
      rec.step('write after mprotect', () => ro.write(0, new Uint8Array([7])));
      rec.step('seen by the other mapping', () => m.read(0, 1));
      const priv = fileOf(vm, rec, own, MMAP)!;
      const pm = own(rec.step('map private file', () => priv.mmap()))!;
      rec.step('read private', () => pm.read(5, 1));
      rec.step('write private', () => pm.write(P + 5, new Uint8Array(1)));
      rec.step('fill private', () => pm.fill(0, T, 1));
      rec.step('PROT_NONE read', () => own(shared.mmap({ prot: PROT_NONE }))?.read(0, 1));
    },
  },
  {
    name: 'lifetimes: closed descriptors and mappings',
    run(kvm, rec, own) {
      const vm = kvm.createVm(0);
      const f = vm.createGuestMemfd({ size: T, flags: SHARED });
      const m = own(f.mmap())!;
      rec.step('vm closed, file still works', () => {
        vm.close();
        f.allocate(0, P);
        m.fill(0, P, 3);
        return m.read(0, 2);
      });
      rec.step('file closed, mapping still works', () => {
        f.close();
        m.write(1, new Uint8Array([4]));
        return m.read(0, 2);
      });
      rec.step('closed file answers EBADF', () => f.stat());
      rec.step('closed vm answers EBADF', () => vm.checkExtension('KVM_CAP_GUEST_MEMFD'));
    },
  },
  {
    name: 'lifetimes: a bound file closed, then its slot',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      const f = vm.createGuestMemfd({ size: T, flags: SHARED });
      const m = f.mmap();
      rec.step('bind', () => vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: T, guestMemfd: f }));
      rec.step('close the descriptor (the mapping keeps the file)', () => f.close());
      rec.step('the mapping still works', () => (m.fill(0, P, 9), m.read(0, 2)));
      rec.step('unmap: the file is released', () => m.unmap());
      rec.step('the slot cannot be re-bound', () => vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: T, guestMemfd: f }));
      rec.step('delete the slot', () => vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: 0 }));
      rec.step('delete it again', () => vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: 0 }));
      const g = own(vm.createGuestMemfd({ size: T, flags: SHARED }))!;
      rec.step('a new file binds the same GPA range', () => vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: T, guestMemfd: g }));
    },
  },
  {
    name: 'odd inputs: names, empty accesses, protections',
    run(kvm, rec, own) {
      for (const length of [1, 249, 250, 300]) own(rec.step(`memfd name of ${length} bytes`, () => kvm.memfdCreate('x'.repeat(length))));
      const vm = own(kvm.createVm(0))!;
      const f = fileOf(vm, rec, own, SHARED)!;
      const none = own(f.mmap({ prot: PROT_NONE }))!;
      rec.step('read 0 bytes of a PROT_NONE mapping', () => none.read(0, 0));
      rec.step('write 0 bytes to a PROT_NONE mapping', () => none.write(0, new Uint8Array(0)));
      rec.step('read 1 byte of a PROT_NONE mapping', () => none.read(0, 1));
      const wo = own(f.mmap({ prot: PROT_WRITE }))!;
      rec.step('write through a PROT_WRITE mapping', () => wo.write(0, new Uint8Array([5])));
      rec.step('read through a PROT_WRITE mapping (x86 has no write-only pages)', () => wo.read(0, 1));
      const ro = own(f.mmap({ prot: PROT_READ }))!;
      rec.step('write 0 bytes to a PROT_READ mapping', () => ro.write(0, new Uint8Array(0)));
      rec.step('fill 0 bytes of a PROT_READ mapping', () => ro.fill(0, 0, 1));
    },
  },
  {
    name: 'guest access',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      const G = 1n << 32n;
      const f = fileOf(vm, rec, own, SHARED)!;
      const m = own(f.mmap())!;
      m.fill(0, T, 0xaa);
      rec.step('bind with userspace_addr = the host mapping', () =>
        vm.setUserMemoryRegion2({ slot: 1, flags: GMEM, guestPhysAddr: G, memorySize: T, guestMemfd: f, userspaceAddr: m.address }));
      rec.step('guest reads what the host wrote', () => vm.guest.read(G + 4094n, 4));
      rec.step('guest writes', () => vm.guest.write(G + 10n, Uint8Array.of(1, 2, 3)));
      rec.step('host sees it', () => m.read(8, 6));
      rec.step('read across the end of the slot', () => vm.guest.read(G + BigInt(T) - 2n, 4));
      rec.step('write across the end of the slot', () => vm.guest.write(G + BigInt(T) - 2n, Uint8Array.of(5, 6, 7, 8)));
      rec.step('the bytes before the fault were written', () => m.read(T - 4, 4));
      rec.step('read with no memslot', () => vm.guest.read(0x12345n, 8));
      rec.step('write with no memslot', () => vm.guest.write(0x12345n, Uint8Array.of(1)));
      rec.step('an empty access', () => vm.guest.read(0x12345n, 0));
      const shared = fileOf(vm, rec, own, SHARED)!;
      const sm = own(shared.mmap())!;
      sm.fill(0, T, 0x33);
      rec.step('ordinary slot over a shared guest_memfd mapping', () => vm.setUserMemoryRegion({ slot: 2, guestPhysAddr: G * 2n, memorySize: T, userspaceAddr: sm.address }));
      rec.step('guest reads it', () => vm.guest.read(G * 2n + 100n, 2));
      rec.step('read-only slot over the same mapping', () => vm.setUserMemoryRegion({ slot: 3, flags: KVM_MEM_READONLY, guestPhysAddr: G * 3n, memorySize: T, userspaceAddr: sm.address }));
      rec.step('guest reads the read-only slot', () => vm.guest.read(G * 3n, 2));
      rec.step('guest writes the read-only slot: MMIO', () => vm.guest.write(G * 3n + 1n, Uint8Array.of(9)));
      const priv = fileOf(vm, rec, own, MMAP)!;
      const pm = own(priv.mmap())!;
      rec.step('ordinary slot over a private guest_memfd mapping', () => vm.setUserMemoryRegion({ slot: 4, guestPhysAddr: G * 4n, memorySize: T, userspaceAddr: pm.address }));
      rec.step('guest reads it: the host address cannot be faulted', () => vm.guest.read(G * 4n, 2), 'pvm-hva-fault-mmio');
      const only = fileOf(vm, rec, own, SHARED)!;
      rec.step('bind with userspace_addr 0 (guest_memfd only)', () => vm.setUserMemoryRegion2({ slot: 5, flags: GMEM, guestPhysAddr: G * 5n, memorySize: T, guestMemfd: only }));
      rec.step('guest reads the guest_memfd-only slot', () => vm.guest.read(G * 5n, 2), 'pvm-gmem-uaddr0-mmio');
    },
  },
  {
    name: 'memslot flags and sanity checks',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      for (let bit = 0; bit < 32; bit++) {
        const flags = (1 << bit) >>> 0;
        rec.step(`v1 flag bit ${bit}`, () => vm.setUserMemoryRegion({ slot: 100 + bit, flags, guestPhysAddr: BigInt(bit) << 32n, memorySize: P }));
        rec.step(`v2 flag bit ${bit}`, () => vm.setUserMemoryRegion2({ slot: 200 + bit, flags, guestPhysAddr: (BigInt(bit) << 32n) + (1n << 40n), memorySize: P }));
      }
      const r = { slot: 1, guestPhysAddr: 0x10000000n, memorySize: BigInt(P) };
      const tries: [string, Parameters<Vm['setUserMemoryRegion2']>[0]][] = [
        ['slot 32763', { ...r, slot: 32763 }],
        ['slot 32764', { ...r, slot: 32764, guestPhysAddr: 0x20000000n }],
        ['slot 32764 with bad flags', { ...r, slot: 32764, flags: 0x80 }],
        ['address space 1', { ...r, slot: 0x10001 }],
        ['address space 2', { ...r, slot: 0x20001 }],
        ['slot 0xffff', { ...r, slot: 0xffff }],
        ['unaligned size', { ...r, slot: 2, memorySize: P + 1 }],
        ['unaligned gpa', { ...r, slot: 2, guestPhysAddr: 1 }],
        ['unaligned uaddr', { ...r, slot: 2, userspaceAddr: 1 }],
        ['uaddr ending at TASK_SIZE_MAX', { ...r, slot: 2, guestPhysAddr: 0x30000000n, userspaceAddr: (1n << 47n) - 8192n }],
        ['uaddr ending past TASK_SIZE_MAX', { ...r, slot: 3, guestPhysAddr: 0x40000000n, userspaceAddr: (1n << 47n) - 4096n }],
        ['uaddr wrapping', { ...r, slot: 3, userspaceAddr: U64_MAX - 4095n }],
        ['gpa wrapping', { ...r, slot: 3, guestPhysAddr: U64_MAX - 4095n, memorySize: 2n * BigInt(P) }],
        ['gpa at 2^52 - page', { ...r, slot: 4, guestPhysAddr: (1n << 52n) - 4096n }],
        ['gpa at 2^52', { ...r, slot: 5, guestPhysAddr: 1n << 52n }],
        ['2^31 pages', { ...r, slot: 5, guestPhysAddr: 1n << 44n, memorySize: 1n << 43n }],
        ['delete a slot that does not exist', { ...r, slot: 6, memorySize: 0 }],
        ['delete slot 1 (never created)', { ...r, memorySize: 0 }],
        ['create slot 1', r],
        ['re-issue slot 1', r],
        ['slot 1 dirty logging', { ...r, flags: KVM_MEM_LOG_DIRTY_PAGES }],
        ['slot 1 readonly toggle', { ...r, flags: KVM_MEM_READONLY }],
        ['slot 1 resize', { ...r, memorySize: 2 * P }],
        ['slot 1 new uaddr', { ...r, userspaceAddr: 0x100000 }],
        ['slot 1 move', { ...r, guestPhysAddr: 0x50000000n }],
        ['slot 7 over slot 1', { ...r, slot: 7, guestPhysAddr: 0x50000000n }],
        ['slot 1 move onto slot 4', { ...r, guestPhysAddr: (1n << 52n) - 4096n }],
        ['delete slot 1', { ...r, memorySize: 0 }],
      ];
      for (const [label, region] of tries) rec.step(label, () => vm.setUserMemoryRegion2(region));
    },
  },
  {
    name: 'binding a guest_memfd',
    run(kvm, rec, own) {
      const vm = own(kvm.createVm(0))!;
      const vm2 = own(kvm.createVm(0))!;
      const f = fileOf(vm, rec, own, SHARED)!;
      const noMmap = fileOf(vm, rec, own, 0n)!;
      const foreign = fileOf(vm2, rec, own, SHARED)!;
      const memfd = own(kvm.memfdCreate('plain'))!;
      const bind = (slot: number, gpa: bigint, size: bigint | number, guestMemfd: FdHandle | number, offset: bigint | number = 0, flags = GMEM) =>
        vm.setUserMemoryRegion2({ slot, flags, guestPhysAddr: gpa, memorySize: size, guestMemfd, guestMemfdOffset: offset });
      rec.step('the /dev/kvm fd', () => bind(0, 0n, P, kvm));
      rec.step('the VM fd', () => bind(0, 0n, P, vm));
      rec.step('a memfd', () => bind(0, 0n, P, memfd));
      rec.step("another VM's guest_memfd", () => bind(0, 0n, P, foreign));
      rec.step('an fd that is not open', () => bind(0, 0n, P, 999_999));
      rec.step('unaligned offset', () => bind(0, 0n, P, f, 1));
      rec.step('offset past the end', () => bind(0, 0n, P, f, T));
      rec.step('offset 2^63', () => bind(0, 0n, P, f, LOFF_MIN));
      rec.step('offset wrapping', () => bind(0, 0n, 2 * P, f, U64_MAX - 4095n));
      rec.step('offset + size past the largest loff_t', () => bind(6, 0x600000n, 2 * P, f, LOFF_MIN - BigInt(P)), 'gmem-bind-loff-overflow');
      rec.step('offset + size reaching the largest loff_t', () => bind(7, 0x700000n, P, f, LOFF_MIN - BigInt(P)));
      rec.step('with LOG_DIRTY', () => bind(0, 0n, P, f, 0, GMEM | KVM_MEM_LOG_DIRTY_PAGES));
      rec.step('with READONLY', () => bind(0, 0n, P, f, 0, GMEM | KVM_MEM_READONLY));
      rec.step('through the v1 ioctl', () => vm.setUserMemoryRegion({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: P }));
      rec.step('bind pages 0-1', () => bind(0, 0n, 2 * P, f, 0));
      rec.step('bind pages 1-2 (overlap in the file)', () => bind(1, 0x100000n, 2 * P, f, P));
      rec.step('bind pages 2-3 (adjacent)', () => bind(1, 0x100000n, 2 * P, f, 2 * P));
      rec.step('GPA overlap with a bad fd: EEXIST first', () => bind(2, BigInt(P), P, 999_999));
      rec.step('re-issue a guest_memfd slot', () => bind(0, 0n, 2 * P, f, 0));
      rec.step('drop GUEST_MEMFD from a slot', () => bind(0, 0n, 2 * P, f, 0, 0));
      rec.step('move a guest_memfd slot', () => bind(0, 0x200000n, 2 * P, f, 0));
      rec.step('delete with a bogus fd', () => bind(0, 0n, 0, 0xffff_ffff));
      rec.step('rebind the freed range', () => bind(3, 0x300000n, 2 * P, f, 0));
      rec.step('file without MMAP binds', () => bind(4, 0x400000n, P, noMmap, 0));
      rec.step('closed handle: EBADF', () => {
        const gone = vm.createGuestMemfd({ size: P });
        gone.close();
        bind(5, 0x500000n, P, gone);
      });
      rec.step('KVM_SET_MEMORY_ATTRIBUTES2 on the file', () => f.setMemoryAttributes2({ offset: 0, size: P, attributes: 8 }));
      rec.step('KVM_GMEM_CONVERT_PRIVATE on the file', () => f.gmemConvert('private', { offset: 0, size: P }));
      rec.step('KVM_GMEM_CONVERT_SHARED on the file', () => f.gmemConvert('shared', { offset: 0, size: P }));
      rec.step('attributes on a DEFAULT VM', () => vm.setMemoryAttributes({ address: 0, size: P, attributes: 0 }));
      rec.step('PRIVATE on a DEFAULT VM', () => vm.setMemoryAttributes({ address: 0, size: P, attributes: 8 }));
    },
  },
];
