/**
 * Profiles for interfaces still being argued: huge pages (with flags past bit 31), NO_DIRECT_MAP,
 * and the granular READ/WRITE flags with seals. Each is profile data plus the rules that differ.
 */
import { modelInode } from '../../src/model/inspect.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supportedGuestMemfdFlags } from '../../src/capabilities.js';
import { openModel } from '../../src/open.js';
import { getProfile, profileNames } from '../../src/model/profile.js';
import { KVM_CAPS } from '../../src/uapi/caps.js';
import { PROPOSED_CAPS, UPSTREAM_CAPS_AFTER_244 } from '../../src/uapi/proposals.js';
import { KVM_MEM_GUEST_MEMFD } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';

const P = 4096;
const MB2 = 2 * 1024 * 1024;
const GB1 = 1024 * 1024 * 1024;
const MMAP = 1n;
const INIT_SHARED = 2n;
const HUGETLB = 4n;
const size1G = 30n << 58n;
const size2M = 21n << 58n;

function hugeVm() {
  const kvm = openModel('hugetlb');
  const vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
  return { kvm, vm, [Symbol.dispose]: () => (vm.close(), kvm.close()) };
}

describe('profile hugetlb: huge pages', () => {
  it('HUGETLB picks 2 MiB pages, or the log2 size in bits 63:58 (RFC v2); the rules of creation', () => {
    using h = hugeVm();
    const vm = h.vm;
    assert.equal(modelInode(vm.createGuestMemfd({ size: MB2, flags: MMAP | HUGETLB }))!.pageLog2, 21);
    assert.equal(modelInode(vm.createGuestMemfd({ size: GB1, flags: MMAP | HUGETLB | size1G }))!.pageLog2, 30);
    expectCode(() => vm.createGuestMemfd({ size: MB2, flags: MMAP | size2M }), 'EINVAL', 'a size without HUGETLB');
    expectCode(() => vm.createGuestMemfd({ size: MB2, flags: MMAP | HUGETLB | (25n << 58n) }), 'EINVAL', '32 MiB pages are not offered');
    expectCode(() => vm.createGuestMemfd({ size: MB2, flags: MMAP | HUGETLB | INIT_SHARED }), 'EINVAL', 'HUGETLB with INIT_SHARED');
    expectCode(() => vm.createGuestMemfd({ size: MB2 + P, flags: MMAP | HUGETLB }), 'EINVAL', 'not a whole number of huge pages');
  });

  it('fallocate ranges and mmap offsets must be aligned to the huge page', () => {
    using h = hugeVm();
    using f = h.vm.createGuestMemfd({ size: 2 * MB2, flags: MMAP | HUGETLB });
    expectCode(() => f.allocate(0, P), 'EINVAL');
    expectCode(() => f.punchHole(P, MB2), 'EINVAL');
    f.allocate(0, MB2);
    f.punchHole(MB2, MB2);
    expectCode(() => f.mmap({ offset: P, length: P }), 'EINVAL');
    f.mmap({ offset: MB2, length: P }).unmap();
  });

  it('a conversion of one page splits the huge page; all private again, it merges; the guest maps it whole only then', () => {
    using h = hugeVm();
    using f = h.vm.createGuestMemfd({ size: GB1, flags: MMAP | HUGETLB | size1G });
    const gpa = 1n << 32n; // 1 GiB aligned, like the file offset.
    h.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: gpa, memorySize: GB1, guestMemfd: f });
    assert.equal(h.vm.guest.mappingLevel(gpa + 12345n), '1G');
    f.conversion!.toShared(300 * P, P);
    assert.equal(modelInode(f)!.attributes.fragmentCount, 3, 'one 4 KiB page inside a 1 GiB page: three ranges, not 262,144 entries');
    assert.equal(modelInode(f)!.isHugePageWhole(0), false);
    assert.equal(h.vm.guest.mappingLevel(gpa), '4K');
    f.conversion!.toPrivate(300 * P, P);
    assert.equal(modelInode(f)!.attributes.fragmentCount, 1);
    assert.equal(h.vm.guest.mappingLevel(gpa), '1G');
    assert.equal(h.vm.guest.mappingLevel(0x1000), null, 'no memory there');
  });

  it('a slot that maps a huge page at a misaligned guest address, or only part of it, gets 4 KiB mappings', () => {
    using h = hugeVm();
    using f = h.vm.createGuestMemfd({ size: 2 * MB2, flags: MMAP | HUGETLB });
    h.vm.setUserMemoryRegion2({ slot: 1, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: (1n << 32n) + BigInt(P), memorySize: MB2, guestMemfd: f });
    assert.equal(h.vm.guest.mappingLevel((1n << 32n) + BigInt(P)), '4K', 'misaligned');
    h.vm.setUserMemoryRegion2({ slot: 2, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 1n << 33n, memorySize: MB2 / 2, guestMemfd: f, guestMemfdOffset: MB2 });
    assert.equal(h.vm.guest.mappingLevel(1n << 33n), '4K', 'half a huge page');
  });
});

describe('flags past bit 31', () => {
  it('KVM_CAP_GUEST_MEMFD_FLAGS holds bits 31:0 only: reading it alone misses the page-size field, FLAGS | FLAGS_HI << 32 has it', () => {
    using kvm = openModel('hugetlb');
    const hi = getProfile('hugetlb').flagsHiCapability!;
    const low = supportedGuestMemfdFlags(kvm);
    const all = supportedGuestMemfdFlags(kvm, hi);
    assert.equal(low, 7n);
    assert.equal(all, 7n | (0x1fn << 58n), 'bit 63 of the field cannot be enumerated (an answer with bit 31 set reads as an error)');
    assert.equal(all & size1G, size1G, 'the 1 GiB size is enumerable only through FLAGS_HI');
    assert.equal(kvm.checkExtension(hi), 0x7c000000);
    using plain = openModel('linux-6.18');
    assert.equal(supportedGuestMemfdFlags(plain, hi), 3n, 'a kernel without FLAGS_HI answers 0 for it');
  });
});

describe('profile no-direct-map', () => {
  it('bit 2 is NO_DIRECT_MAP here, HUGETLB in the hugetlb profile, and unknown in 6.18: values live in profile data', () => {
    using kvm = openModel('no-direct-map');
    using vm = kvm.createVm(0);
    assert.equal(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 7);
    using f = vm.createGuestMemfd({ size: P, flags: MMAP | INIT_SHARED | 4n });
    assert.equal(modelInode(f)!.pageLog2, 12, 'not a huge page here');
    using m = f.mmap();
    m.write(0, Uint8Array.of(1));
    using k618 = openModel('linux-6.18');
    using vm618 = k618.createVm(0);
    expectCode(() => vm618.createGuestMemfd({ size: P, flags: 4n }), 'EINVAL');
  });
});

describe('profile granular: READ and WRITE opt-ins, withdrawable', () => {
  // WRITE has its own posting's bit (1<<2); READ, never posted, the model's.
  const WRITE = getProfile('granular').gmemFlags.write!;
  const READ = getProfile('granular').gmemFlags.read!;
  function granular(flags: bigint, size = 4 * P) {
    const kvm = openModel('granular');
    const vm = kvm.createVm(0);
    const f = vm.createGuestMemfd({ size, flags });
    return { f, [Symbol.dispose]: () => (f.close(), vm.close(), kvm.close()) };
  }

  it('WRITE populates shared memory with pwrite; a partial-page write keeps the rest of the page', () => {
    using g = granular(MMAP | INIT_SHARED | WRITE);
    using m = g.f.mmap();
    m.fill(0, P, 0x11);
    assert.equal(g.f.pwrite(Uint8Array.of(1, 2, 3), 10), 3);
    assert.deepEqual([...m.read(8, 6)], [0x11, 0x11, 1, 2, 3, 0x11]);
    assert.equal(g.f.pwrite(new Uint8Array(2 * P).fill(9), 3 * P), P, 'a short write at the end of the file');
    expectCode(() => g.f.pwrite(Uint8Array.of(1), 4 * P), 'ENOSPC');
    expectCode(() => g.f.pread(4, 0), 'ESPIPE', 'no READ flag');
  });

  it('write() and read() use the file position; lseek works once READ or WRITE is there', () => {
    using g = granular(MMAP | INIT_SHARED | WRITE | READ);
    assert.equal(g.f.write(Uint8Array.of(7, 8)), 2);
    assert.equal(g.f.lseek(0, 0), 0n);
    assert.deepEqual([...g.f.read(3)], [7, 8, 0]);
    assert.equal(g.f.lseek(0, 2), BigInt(4 * P));
    assert.equal(g.f.read(8).length, 0, 'end of file');
    expectCode(() => g.f.lseek(0, 3), 'EINVAL');
  });

  it('private pages are out of reach: a write stops before the first one, or is EPERM', () => {
    using g = granular(MMAP | WRITE);
    expectCode(() => g.f.pwrite(Uint8Array.of(1), 0), 'EPERM');
  });

  it('seals withdraw READ or WRITE for good; only they can be sealed, and only in this profile', () => {
    using g = granular(MMAP | INIT_SHARED | WRITE | READ);
    g.f.pwrite(Uint8Array.of(5), 0);
    g.f.seals!.addSeals(WRITE);
    expectCode(() => g.f.pwrite(Uint8Array.of(6), 0), 'EPERM');
    assert.deepEqual([...g.f.pread(1, 0)], [5]);
    g.f.seals!.addSeals(READ);
    expectCode(() => g.f.pread(1, 0), 'EPERM');
    expectCode(() => g.f.seals!.addSeals(MMAP), 'EINVAL');
    using k = openModel('linux-6.18');
    using vm = k.createVm(0);
    using plain = vm.createGuestMemfd({ size: P });
    assert.equal(plain.seals, undefined, 'no seals in linux-6.18');
  });
});

describe('docs/profiles.md', () => {
  it('is what the profile data generates (npm run docs rewrites it)', async () => {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { profilesTable } = await import('../../src/docs/profilesTable.js');
    const committed = readFileSync(fileURLToPath(new URL('../../../docs/profiles.md', import.meta.url)), 'utf8');
    assert.equal(committed, profilesTable(), 'docs/profiles.md is stale: run npm run docs');
  });
  it('names a source for every feature every profile has', async () => {
    const { missingSources } = await import('../../src/docs/profilesTable.js');
    assert.deepEqual(missingSources(), []);
  });
});

describe('proposal numbers never collide with upstream', () => {
  it("the hypothetical FLAGS_HI capability is no released, upstream-assigned or in-place series number", () => {
    const taken = new Set<number>([...PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.earlier, PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest]);
    for (const name of profileNames()) {
      const n = getProfile(name).flagsHiCapability;
      if (n === undefined || n === null) continue;
      assert.equal(KVM_CAPS.nameOf(n), undefined, `${name}: ${n} is a released capability`);
      assert.equal(UPSTREAM_CAPS_AFTER_244.nameOf(n), undefined, `${name}: upstream gave ${n} to something else`);
      assert.ok(!taken.has(n), `${name}: ${n} was the in-place capability in some revision`);
    }
  });
});
