import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openModel } from '../../src/open.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE, KVM_MEMORY_EXIT_FLAG_PRIVATE, KVM_MEM_GUEST_MEMFD, KVM_MEM_READONLY } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { MMAP, SHARED, fixture } from './fixtures.js';

const P = 4096;
const GMEM = KVM_MEM_GUEST_MEMFD;

describe('guest access: slots backed by a mappable guest_memfd', () => {
  it('are served from the file alone (userspace_addr 0 is ignored), even without INIT_SHARED', () => {
    using f = fixture({ flags: MMAP });
    f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0x10000, memorySize: 4 * P, guestMemfd: f.file });
    assert.ok(f.vm.guest.write(0x10000 + 5, new Uint8Array([9, 8])).ok);
    const r = f.vm.guest.read(0x10000 + 4, 4);
    assert.ok(r.ok);
    assert.deepEqual([...r.value], [0, 9, 8, 0]);
  });
  it('a guest access that spans pages reads across them', () => {
    using f = fixture();
    f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: 4 * P, guestMemfd: f.file });
    using map = f.file.mmap();
    map.fill(P - 2, 4, 0xcc);
    const r = f.vm.guest.read(P - 3, 6);
    assert.ok(r.ok);
    assert.deepEqual([...r.value], [0, 0xcc, 0xcc, 0xcc, 0xcc, 0]);
  });
});

describe('guest access: exits', () => {
  it('a GPA without a slot exits as MMIO at that address', () => {
    using f = fixture();
    const r = f.vm.guest.read(0x1234, 16);
    assert.deepEqual(r, { ok: false, exit: { reason: 'KVM_EXIT_MMIO', gpa: 0x1234n, length: 1, isWrite: false } });
  });
  it('a write to a read-only slot exits as MMIO; a read goes through the host memory', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    using backing = vm.createGuestMemfd({ size: P, flags: SHARED });
    using map = backing.mmap();
    map.fill(0, P, 0x42);
    vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_READONLY, guestPhysAddr: 0, memorySize: P, userspaceAddr: map.address });
    const r = vm.guest.read(0, 2);
    assert.ok(r.ok);
    assert.deepEqual([...r.value], [0x42, 0x42]);
    const w = vm.guest.write(0, new Uint8Array(1));
    assert.equal(!w.ok && w.exit.reason, 'KVM_EXIT_MMIO');
  });
  // The error-pfn path: KVM_RUN fails with EFAULT and fills no memory-fault exit (docs/kernel-behaviour.md#guest-access).
  it('an ordinary slot whose userspace_addr maps nothing makes KVM_RUN fail with EFAULT, no exit', () => {
    using f = fixture({ rawAddresses: true });
    f.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: P, userspaceAddr: 0x1000000 });
    const err = expectCode(() => f.vm.guest.read(0, 1), 'EFAULT');
    assert.equal(err.operation, 'guest read'); // the handle layer names the API call; the model's reason names KVM_RUN's path
  });
  it('a host mapping of a file the host cannot touch does not back an ordinary slot either: EFAULT, no exit', () => {
    using f = fixture({ flags: MMAP });
    using map = f.file.mmap();
    f.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: P, userspaceAddr: map.address });
    expectCode(() => f.vm.guest.read(0, 1), 'EFAULT');
  });
});

describe('guest access: private memory in 6.18 (VM attributes)', () => {
  it('SW_PROTECTED: private pages come from the guest_memfd, shared ones from userspace_addr', () => {
    using f = fixture({ type: 'KVM_X86_SW_PROTECTED_VM', flags: 0n });
    f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: 4 * P, guestMemfd: f.file });
    f.vm.setMemoryAttributes({ address: 0, size: 2 * P, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE });
    assert.ok(f.vm.guest.write(P, new Uint8Array([1])).ok, 'private page');
    expectCode(() => f.vm.guest.read(2 * P, 1), 'EFAULT', 'no host memory behind the shared page');
  });
  it('an access whose kind differs from the attribute exits with a memory fault naming the kind', () => {
    using f = fixture({ type: 'KVM_X86_SNP_VM', flags: 0n });
    f.vm.setUserMemoryRegion2({ slot: 0, flags: GMEM, guestPhysAddr: 0, memorySize: 4 * P, guestMemfd: f.file });
    const r = f.vm.guest.read(P + 8, 1, { kind: 'private' });
    assert.deepEqual(!r.ok && r.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: KVM_MEMORY_EXIT_FLAG_PRIVATE, gpa: BigInt(P), size: 4096n });
    f.vm.setMemoryAttributes({ address: P, size: P, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE });
    assert.ok(f.vm.guest.read(P + 8, 1, { kind: 'private' }).ok);
    const s = f.vm.guest.read(P + 8, 1, { kind: 'shared' });
    assert.deepEqual(!s.ok && s.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: 0n, gpa: BigInt(P), size: 4096n });
  });
  it('a VM without private memory cannot make private accesses', () => {
    using f = fixture();
    assert.throws(() => f.vm.guest.read(0, 1, { kind: 'private' }), RangeError);
  });
});

describe('KVM_SET_MEMORY_ATTRIBUTES', () => {
  it('checks flags, attributes, size, wrap and alignment in order', () => {
    using d = fixture();
    // Every check answers EINVAL, so the reason shows which check came first.
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 16, flags: 1 }), 'EINVAL').reason!, /flags/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 16 }), 'EINVAL').reason!, /attributes/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 0 }), 'EINVAL').reason!, /size is 0/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 0xffff_ffff_ffff_f001n, size: 0x2000, attributes: 0 }), 'EINVAL').reason!, /wraps/);
    expectCode(() => d.vm.setMemoryAttributes({ address: 0, size: P, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE }), 'EINVAL', 'PRIVATE on a DEFAULT VM');
    d.vm.setMemoryAttributes({ address: 0, size: P, attributes: 0 });
    using s = fixture({ type: 'KVM_X86_SW_PROTECTED_VM', flags: 0n });
    const set = (address: bigint | number, size: bigint | number, attributes = 8) => s.vm.setMemoryAttributes({ address, size, attributes });
    expectCode(() => set(0, P, 16), 'EINVAL', 'unknown attribute');
    expectCode(() => set(0, 0), 'EINVAL', 'size 0');
    expectCode(() => set(0xffff_ffff_ffff_f000n, 2 * P), 'EINVAL', 'wrap');
    expectCode(() => set(1, P), 'EINVAL', 'unaligned');
    set(0xffff_ffff_ffff_e000n, P); // The top of the address space, without a memslot.
  });
});
