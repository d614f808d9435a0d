/**
 * Profiles for interfaces still being argued: huge pages (with flags past bit 31), NO_DIRECT_MAP,
 * and the granular READ/WRITE flags with seals. Each is profile data plus the rules that differ.
 * Here: what a scenario cannot say (the page size the model keeps, the guest's mapping level,
 * range counts, the flags helper, the API's shape per profile, docs and numbers). The rules a
 * kernel with the proposal would show are catalog scenarios: catalog/proposals/*.json
 * (hugetlb_create, hugetlb_split_merge, no_direct_map, granular_read_write_seals) and, for flag
 * bit 2 on 6.18, catalog/create/flag_bits_and_sizes.json.
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

const P = 4096;
const MB2 = 2 * 1024 * 1024;
const GB1 = 1024 * 1024 * 1024;
const MMAP = 1n;
const INIT_SHARED = 2n;
const HUGETLB = 4n;
const size1G = 30n << 58n;

function hugeVm() {
  const kvm = openModel('hugetlb');
  const vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
  return { kvm, vm, [Symbol.dispose]: () => (vm.close(), kvm.close()) };
}

describe('profile hugetlb: huge pages', () => {
  it('HUGETLB picks 2 MiB pages, or the log2 size in bits 63:58 (RFC v2): the page size the inode keeps', () => {
    using h = hugeVm();
    const vm = h.vm;
    assert.equal(modelInode(vm.createGuestMemfd({ size: MB2, flags: MMAP | HUGETLB }))!.pageLog2, 21);
    assert.equal(modelInode(vm.createGuestMemfd({ size: GB1, flags: MMAP | HUGETLB | size1G }))!.pageLog2, 30);
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
  it('bit 2 is NO_DIRECT_MAP here, HUGETLB in the hugetlb profile: values live in profile data', () => {
    using kvm = openModel('no-direct-map');
    using vm = kvm.createVm(0);
    using f = vm.createGuestMemfd({ size: P, flags: MMAP | INIT_SHARED | 4n });
    assert.equal(modelInode(f)!.pageLog2, 12, 'not a huge page here');
  });
});

describe('profile granular: READ and WRITE opt-ins, withdrawable', () => {
  it('seals are a part of the file in this profile only', () => {
    using kvm = openModel('granular');
    using vm = kvm.createVm(0);
    using f = vm.createGuestMemfd({ size: P, flags: MMAP | INIT_SHARED | getProfile('granular').gmemFlags.write! });
    assert.equal(typeof f.seals?.addSeals, 'function');
    using k = openModel('linux-6.18');
    using vm618 = k.createVm(0);
    using plain = vm618.createGuestMemfd({ size: P });
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
