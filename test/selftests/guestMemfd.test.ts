/**
 * The checks of the upstream 6.18 guest_memfd selftest (docs/kernel-behaviour.md#upstream-selftests), for files made with
 * flags 0, MMAP and MMAP|INIT_SHARED, on every VM type the backend offers. Like upstream, every
 * check gets a fresh four-page file. Where upstream only asserts failure, these assert the errno.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GuestMemfd, Kvm, Vm } from '../../src/api.js';
import { GUEST_MEMFD_FLAGS, GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, MAP_PRIVATE } from '../../src/uapi/flags.js';
import { PAGE_SIZE } from '../../src/uapi/memory.js';
import { backendCases, offeredVmTypes } from '../backends.js';
import { assertAllBytes, expectCode } from '../helpers.js';

const page = PAGE_SIZE;
const total = 4 * page;

type Check = (file: GuestMemfd, vm: Vm) => void;

const readWrite: Check = (f) => {
  expectCode(() => f.read(64), 'EINVAL', 'read');
  expectCode(() => f.write(new Uint8Array(64)), 'EINVAL', 'write');
  expectCode(() => f.pread(64, 0), 'ESPIPE', 'pread');
  expectCode(() => f.pwrite(new Uint8Array(64), 0), 'ESPIPE', 'pwrite');
};

const mmapCow: Check = (f) => {
  expectCode(() => f.mmap({ length: total, flags: MAP_PRIVATE }), 'EINVAL', 'MAP_PRIVATE');
};

const mmapSupported: Check = (f) => {
  const map = f.mmap({ length: total });
  try {
    map.fill(0, total, 0xaa);
    assertAllBytes(map.read(0, total), 0xaa, 'after fill');
    f.punchHole(0, page);
    assertAllBytes(map.read(0, page), 0x00, 'punched page');
    assertAllBytes(map.read(page, total - page), 0xaa, 'pages after the punched one');
    map.fill(0, page, 0xaa);
    assertAllBytes(map.read(0, total), 0xaa, 'after the second fill');
  } finally {
    map.unmap();
  }
};

/** Fill the whole mapping (SIGBUS at the first inaccessible byte), then check what was written. */
function faultSigbus(f: GuestMemfd, accessible: number, mapSize: number): void {
  const map = f.mmap({ length: mapSize });
  try {
    const err = expectCode(() => map.fill(0, mapSize, 0xaa), 'SIGBUS', 'fill of the whole mapping');
    assert.equal(err.mappingOffset, BigInt(accessible), 'the fill stops at the first inaccessible byte');
    expectCode(() => map.read(accessible, 1), 'SIGBUS', `read at ${accessible}`);
    assertAllBytes(map.read(0, accessible), 0xaa, 'the accessible part');
  } finally {
    map.unmap();
  }
}

const faultOverflow: Check = (f) => faultSigbus(f, total, total * 4);
const faultPrivate: Check = (f) => faultSigbus(f, 0, total);

const mmapNotSupported: Check = (f) => {
  expectCode(() => f.mmap({ length: page }), 'ENODEV', 'one page');
  expectCode(() => f.mmap({ length: total }), 'ENODEV', 'the whole file');
};

const fileSize: Check = (f) => {
  const st = f.stat();
  assert.equal(st.size, BigInt(total));
  assert.equal(st.blksize, page);
};

const fallocate: Check = (f) => {
  f.allocate(0, total);
  expectCode(() => f.punchHole(page - 1, page), 'EINVAL', 'punch at an unaligned offset');
  expectCode(() => f.allocate(total, page), 'EINVAL', 'allocate at the file size');
  expectCode(() => f.allocate(total + page, page), 'EINVAL', 'allocate past the file size');
  f.punchHole(total, page); // Past the end: nothing to do.
  f.punchHole(total + page, page);
  expectCode(() => f.punchHole(page, page - 1), 'EINVAL', 'punch with an unaligned length');
  f.punchHole(page, page);
  f.allocate(page, page);
};

const invalidPunchHole: Check = (f) => {
  const cases: [number, number][] = [
    [0, 1], [0, page - 1], [0, page + 1],
    [1, 1], [1, page - 1], [1, page], [1, page + 1],
    [page, 1], [page, page - 1], [page, page + 1],
  ];
  for (const [offset, len] of cases) expectCode(() => f.punchHole(offset, len), 'EINVAL', `punch (${offset}, ${len})`);
};

/** Which checks run for a file made with these flags (as the upstream test chooses them). */
function checksFor(flags: bigint): [string, Check][] {
  const checks: [string, Check][] = [['read_write', readWrite]];
  if (flags & GUEST_MEMFD_FLAG_MMAP) {
    if (flags & GUEST_MEMFD_FLAG_INIT_SHARED) checks.push(['mmap_supported', mmapSupported], ['fault_overflow', faultOverflow]);
    else checks.push(['fault_private', faultPrivate]);
    checks.push(['mmap_cow', mmapCow]);
  } else {
    checks.push(['mmap_not_supported', mmapNotSupported]);
  }
  checks.push(['file_size', fileSize], ['fallocate', fallocate], ['invalid_punch_hole', invalidPunchHole]);
  return checks;
}

const FLAG_SETS = [0n, GUEST_MEMFD_FLAG_MMAP, GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED];


for (const backend of backendCases()) {
  describe(`guest_memfd selftest [${backend.label}]`, { skip: backend.skip }, () => {
    const probeKvm = backend.skip ? undefined : backend.open();
    const vmTypes = probeKvm ? offeredVmTypes(probeKvm) : [];
    probeKvm?.close();

    for (const [typeName, type] of vmTypes) {
      describe(typeName, () => {
        it('flags: each bit 0..63 is accepted exactly when KVM_CAP_GUEST_MEMFD_FLAGS advertises it', () => {
          using kvm = backend.open();
          using vm = kvm.createVm(type);
          const valid = BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'));
          for (let bit = 0n; bit < 64n; bit++) {
            const flag = 1n << bit;
            if (flag & valid) vm.createGuestMemfd({ size: page, flags: flag }).close();
            else expectCode(() => vm.createGuestMemfd({ size: page, flags: flag }), 'EINVAL', `flag bit ${bit}`);
          }
        });

        it('multiple: two files of different sizes coexist with their own sizes and inodes', () => {
          using kvm = backend.open();
          using vm = kvm.createVm(type);
          using a = vm.createGuestMemfd({ size: page, flags: 0 });
          using b = vm.createGuestMemfd({ size: 2 * page, flags: 0 });
          assert.equal(a.stat().size, BigInt(page));
          assert.equal(b.stat().size, BigInt(2 * page));
          assert.notEqual(a.stat().ino, b.stat().ino);
        });

        for (const flags of FLAG_SETS) {
          const label = `flags=${GUEST_MEMFD_FLAGS.format(flags)}`;
          describe(label, () => {
            const supported = (kvm: Kvm, vm: Vm): boolean => (BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS')) & flags) === flags;

            it('invalid_sizes: every size from 1 to page-1 is EINVAL', (t) => {
              using kvm = backend.open();
              using vm = kvm.createVm(type);
              if (!supported(kvm, vm)) return t.skip(`${label} not offered to ${typeName}`);
              for (let size = 1; size < page; size++) {
                expectCode(() => vm.createGuestMemfd({ size, flags }), 'EINVAL', `size ${size}`);
              }
            });

            for (const [name, check] of checksFor(flags)) {
              it(name, (t) => {
                using kvm = backend.open();
                using vm = kvm.createVm(type);
                if (!supported(kvm, vm)) return t.skip(`${label} not offered to ${typeName}`);
                using file = vm.createGuestMemfd({ size: total, flags });
                check(file, vm);
              });
            }
          });
        }
      });
    }
  });
}
