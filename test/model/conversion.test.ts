/**
 * In-place conversion on the `inplace` profile: the upstream v8 conversion selftests
 * (docs/kernel-behaviour.md#conversion-selftests, named as there) and the KVM_SET_MEMORY_ATTRIBUTES2 rules in their order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GuestResult, InPlaceConversion } from '../../src/api.js';
import { openModel } from '../../src/open.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE as PRIVATE, KVM_MEMORY_EXIT_FLAG_PRIVATE, GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';
import { GPA_BASE, P, conversionWorld } from './conversionFixtures.js';

/** The guest read succeeded and page's bytes all equal `value`. */
function guestSees(r: GuestResult<Uint8Array>, value: number, what: string): void {
  assert.ok(r.ok, `${what}: the guest access exited: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  assert.ok(r.value.every((b) => b === value), `${what}: guest read ${r.value[0]}, expected ${value}`);
}

describe('conversion selftests (v8, SW_PROTECTED)', () => {
  it('init_private: starts private (guest reads 0); to shared keeps the guest\'s data; back to private keeps the host\'s', () => {
    using w = conversionWorld({ pages: 1 });
    guestSees(w.guestRead(0), 0, 'fresh private page');
    expectCode(() => w.hostRead(0), 'SIGBUS', 'host read of a private page');
    assert.ok(w.guestWrite(0, 0xaa).ok);
    w.file.conversion!.toShared(0, P);
    assert.equal(w.hostRead(0), 0xaa);
    w.hostWrite(0, 0xbb);
    w.file.conversion!.toPrivate(0, P);
    expectCode(() => w.hostRead(0), 'SIGBUS');
    guestSees(w.guestRead(0), 0xbb, 'after back to private');
  });

  it('init_shared: starts shared; a round trip preserves the data', () => {
    using w = conversionWorld({ pages: 1, shared: true });
    w.hostWrite(0, 0xaa);
    guestSees(w.guestRead(0), 0xaa, 'shared page');
    w.file.conversion!.toPrivate(0, P);
    guestSees(w.guestRead(0), 0xaa, 'after to private');
    assert.ok(w.guestWrite(0, 0xcc).ok);
    w.file.conversion!.toShared(0, P);
    assert.equal(w.hostRead(0), 0xcc);
  });

  it('indexing: converting page i of four changes only page i', () => {
    for (let i = 0; i < 4; i++) {
      using w = conversionWorld({ pages: 4, shared: true });
      for (let p = 0; p < 4; p++) w.hostWrite(p, 0x10 + p);
      w.file.conversion!.toPrivate(i * P, P);
      for (let p = 0; p < 4; p++) {
        if (p === i) {
          expectCode(() => w.hostRead(p), 'SIGBUS', `page ${p}`);
          guestSees(w.guestRead(p), 0x10 + p, `converted page ${p}`);
        } else {
          assert.equal(w.hostRead(p), 0x10 + p, `page ${p} kept its data`);
        }
      }
      assert.equal(w.inode.attributes.fragmentCount, i === 0 || i === 3 ? 2 : 3);
    }
  });

  for (const shared of [true, false]) {
    it(`before_allocation (${shared ? 'shared' : 'private'}): the conversion is recorded with no page allocated; first use reads 0`, () => {
      using w = conversionWorld({ pages: 2, shared: !shared });
      assert.equal(w.inode.contents.storedPages, 0);
      if (shared) w.file.conversion!.toShared(0, 2 * P);
      else w.file.conversion!.toPrivate(0, 2 * P);
      assert.equal(w.inode.pageState.fragmentCount, 1, 'no page was allocated by the conversion');
      if (shared) assert.equal(w.hostRead(1), 0);
      else guestSees(w.guestRead(1), 0, 'first private use');
    });
  }

  it('unallocated_folios: touched pages keep their data across to-private; others read 0; page by page back to shared', () => {
    for (const i of [0, 3, 7]) {
      using w = conversionWorld({ pages: 8, shared: true });
      w.hostWrite(i, 0x40 + i);
      w.hostWrite(4, 0x44);
      w.file.conversion!.toPrivate(0, 8 * P);
      for (let p = 0; p < 8; p++) guestSees(w.guestRead(p), p === i ? 0x40 + i : p === 4 ? 0x44 : 0, `page ${p}`);
      for (let p = 0; p < 8; p++) assert.ok(w.guestWrite(p, 0x80 + p).ok);
      for (let p = 0; p < 8; p++) {
        w.file.conversion!.toShared(p * P, P);
        assert.equal(w.hostRead(p), 0x80 + p);
      }
    }
  });

  it('truncate: a punch keeps the attribute; the page reads 0 afterwards on either side', () => {
    using w = conversionWorld({ pages: 2, shared: true });
    w.hostWrite(0, 0x11);
    w.file.punchHole(0, P);
    assert.equal(w.hostRead(0), 0, 'still shared, now zero');
    w.file.conversion!.toPrivate(P, P);
    assert.ok(w.guestWrite(1, 0x22).ok);
    w.file.punchHole(P, P);
    expectCode(() => w.hostRead(1), 'SIGBUS', 'still private');
    guestSees(w.guestRead(1), 0, 'private page after the punch');
  });

  it('forked_accesses: a conversion to private cuts off every mapping (another process\'s too)', () => {
    using w = conversionWorld({ pages: 1, shared: true });
    using child = w.file.mmap(); // The child process's mapping.
    child.write(0, new Uint8Array([0x5a]));
    assert.equal(w.hostRead(0), 0x5a);
    w.file.conversion!.toPrivate(0, P);
    expectCode(() => child.read(0, 1), 'SIGBUS', "child's read");
    expectCode(() => child.write(0, new Uint8Array([1])), 'SIGBUS', "child's write");
    w.file.conversion!.toShared(0, P);
    assert.equal(child.read(0, 1)[0], 0x5a, 'shared again: the mapping faults back in');
  });

  it('elevated_refcount: a pinned page makes the conversion EAGAIN at its offset, changing nothing', () => {
    for (const i of [0, 2, 3]) {
      using w = conversionWorld({ pages: 4, shared: true });
      for (let p = 0; p < 4; p++) w.hostWrite(p, 0x30 + p);
      const pin = w.file.pins!.pin(i * P, P);
      const err = expectCode(() => w.file.conversion!.toPrivate(0, 4 * P), 'EAGAIN');
      assert.equal(err.errorOffset, BigInt(i * P));
      assert.equal(w.inode.attributes.fragmentCount, 1, 'nothing changed');
      for (let p = 0; p < 4; p++) assert.equal(w.hostRead(p), 0x30 + p);
      for (let p = 0; p < 4; p++) if (p !== i) w.file.conversion!.toPrivate(p * P, P);
      expectCode(() => w.file.conversion!.toPrivate(i * P, P), 'EAGAIN');
      pin.release();
      pin.release();
      w.file.conversion!.toPrivate(0, 4 * P);
      for (let p = 0; p < 4; p++) guestSees(w.guestRead(p), 0x30 + p, `page ${p}`);
    }
  });
});

describe('KVM_SET_MEMORY_ATTRIBUTES2: checks in order', () => {
  it('flags, then reserved words, then a VM without private memory, then attribute bits', () => {
    using w = conversionWorld({ pages: 2 });
    const set = (a: Partial<Parameters<InPlaceConversion['setMemoryAttributes2']>[0]>) =>
      w.file.conversion!.setMemoryAttributes2({ offset: 0, size: P, attributes: PRIVATE, ...a });
    assert.match(expectCode(() => set({ flags: 1, reserved: [1], attributes: 16, size: 0 }), 'EINVAL').reason!, /flags/);
    assert.match(expectCode(() => set({ reserved: [0, 0, 1], attributes: 16, size: 0 }), 'EINVAL').reason!, /reserved\[2\]/);
    assert.match(expectCode(() => set({ attributes: 16, size: 0 }), 'EINVAL').reason!, /attributes/);
    using kvm = openModel('inplace');
    using vm = kvm.createVm(0);
    using plain = vm.createGuestMemfd({ size: P, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
    const err = expectCode(() => plain.conversion!.setMemoryAttributes2({ offset: 0, size: P, attributes: PRIVATE }), 'EINVAL');
    assert.match(err.message, /no private memory/);
  });
  it('size 0, wrap, alignment, and the range inside the file', () => {
    using w = conversionWorld({ pages: 2 });
    const set = (offset: bigint | number, size: bigint | number) => w.file.conversion!.setMemoryAttributes2({ offset, size, attributes: 0 });
    expectCode(() => set(0, 0), 'EINVAL', 'size 0');
    expectCode(() => set(0xffff_ffff_ffff_f000n, 2 * P), 'EINVAL', 'wrap');
    expectCode(() => set(1, P), 'EINVAL', 'unaligned offset');
    expectCode(() => set(0, P + 1), 'EINVAL', 'unaligned size');
    expectCode(() => set(2 * P, P), 'EINVAL', 'offset at the end');
    expectCode(() => set(P, 2 * P), 'EINVAL', 'past the end');
    set(0, 2 * P);
  });
  it('a range already in the requested state is a successful no-op, even when pinned', () => {
    using w = conversionWorld({ pages: 2, shared: true });
    using pin = w.file.pins!.pin(0, 2 * P);
    w.file.conversion!.toShared(0, 2 * P);
    assert.equal(pin.released, false);
  });
  it('ENOMEM (injected) reports error_offset = offset and changes nothing', () => {
    using w = conversionWorld({ pages: 4, shared: true });
    w.vmState.injectFault('KVM_SET_MEMORY_ATTRIBUTES2', 'ENOMEM');
    const err = expectCode(() => w.file.conversion!.toPrivate(2 * P, P), 'ENOMEM');
    assert.equal(err.errorOffset, BigInt(2 * P));
    assert.equal(w.inode.attributes.fragmentCount, 1);
    w.file.conversion!.toPrivate(2 * P, P);
  });
  it('to shared has no busy check; pins of pages that were punched out do not block', () => {
    using w = conversionWorld({ pages: 2, shared: true });
    const pin = w.file.pins!.pin(0, 2 * P);
    w.file.punchHole(0, P);
    expectCode(() => w.file.conversion!.toPrivate(0, 2 * P), 'EAGAIN');
    w.file.conversion!.toPrivate(0, P); // Page 0 left the file: its pin holds the old page.
    w.file.conversion!.toShared(0, P);
    pin.release();
  });
  it('a pin needs shared pages: pinning a private page is EFAULT', () => {
    using w = conversionWorld({ pages: 2 });
    expectCode(() => w.file.pins!.pin(0, P), 'EFAULT');
    expectCode(() => w.file.pins!.pin(1, P), 'EINVAL');
    expectCode(() => w.file.pins!.pin(0, 3 * P), 'EINVAL');
  });
  it('linux-6.18 has no such ioctl: the file has no conversion part', () => {
    using w = conversionWorld({ pages: 1, profile: 'linux-6.18' });
    assert.equal(w.file.conversion, undefined);
    assert.equal(w.kvm.features().conversion, undefined);
  });
});

describe('in-place profiles: capabilities and the VM-wide ioctl', () => {
  it('inplace-v13-vmattrs answers the in-place capability, offers INIT_SHARED to private VMs, and refuses PRIVATE through the VM', () => {
    using kvm = openModel('inplace-v13-vmattrs');
    assert.equal(kvm.checkExtension(250), 8);
    assert.equal(kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 0);
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    assert.equal(sw.checkExtension(250), 8);
    assert.equal(sw.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 3);
    expectCode(() => sw.setMemoryAttributes({ address: 0, size: P, attributes: PRIVATE }), 'EINVAL');
    using def = kvm.createVm(0);
    assert.equal(def.checkExtension(250), 0);
  });
  it('inplace-v13 (the default build, also the name inplace) has no VM ioctl: ENOTTY whatever the arguments', () => {
    using kvm = openModel('inplace');
    assert.equal(kvm.profile, 'inplace-v13');
    assert.equal(kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 0);
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    assert.equal(sw.checkExtension(250), 8);
    assert.equal(sw.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 0);
    expectCode(() => sw.setMemoryAttributes({ address: 0, size: P, attributes: PRIVATE }), 'ENOTTY');
    expectCode(() => sw.setMemoryAttributes({ address: 0, size: 0, attributes: 0, flags: 1 }), 'ENOTTY');
  });
  it('inplace-v13-legacy keeps PRIVATE in the VM; the guest_memfd ioctl exists and answers ENOTTY', () => {
    using kvm = openModel('inplace-v13-legacy');
    assert.equal(kvm.checkExtension(250), 0);
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    assert.equal(sw.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), Number(PRIVATE));
    assert.equal(sw.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 1);
    sw.setMemoryAttributes({ address: 0, size: P, attributes: PRIVATE });
    using f = sw.createGuestMemfd({ size: P, flags: 1 });
    expectCode(() => f.conversion!.toPrivate(0, P), 'ENOTTY');
  });
});

describe('error_offset (v13): written only for EAGAIN and ENOMEM', () => {
  it('a KvmError carries errorOffset after EAGAIN, and none after EINVAL whatever the caller passed', () => {
    using kvm = openModel('inplace');
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    using f = sw.createGuestMemfd({ size: 2 * P, flags: 3 });
    const args = { offset: 0, size: 2 * P, attributes: PRIVATE, flags: 1, errorOffset: 0x1234 };
    assert.equal(expectCode(() => f.conversion!.setMemoryAttributes2(args), 'EINVAL').errorOffset, undefined);
    assert.equal(args.errorOffset, 0x1234);
    using pin = f.pins!.pin(P, P);
    assert.equal(expectCode(() => f.conversion!.setMemoryAttributes2({ ...args, flags: 0 }), 'EAGAIN').errorOffset, BigInt(P));
  });
});

describe('guest faults with in-place conversion', () => {
  it('a private access to a shared page (or the reverse) exits with a memory fault describing it', () => {
    using w = conversionWorld({ pages: 2, type: 'KVM_X86_SNP_VM', shared: true });
    const r = w.guestRead(1, 'private');
    assert.deepEqual(!r.ok && r.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: KVM_MEMORY_EXIT_FLAG_PRIVATE, gpa: GPA_BASE + BigInt(P), size: 4096n });
    w.file.conversion!.toPrivate(P, P);
    assert.ok(w.guestRead(1, 'private').ok);
    const s = w.guestRead(1, 'shared');
    assert.deepEqual(!s.ok && s.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: 0n, gpa: GPA_BASE + BigInt(P), size: 4096n });
  });
  it('no memslot counts as shared: MMIO; a slot whose file was closed has no page to give: a memory-fault exit', () => {
    using w = conversionWorld({ pages: 1, shared: true });
    const none = w.vm.guest.read(0x1000, 4);
    assert.equal(!none.ok && none.exit.reason, 'KVM_EXIT_MMIO');
    w.map.unmap();
    w.file.close();
    const gone = w.vm.guest.read(GPA_BASE, 4);
    assert.deepEqual(!gone.ok && gone.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: 0n, gpa: GPA_BASE, size: 4096n });
  });
});

describe('contents across conversion', () => {
  for (const type of ['KVM_X86_SNP_VM', 'KVM_X86_TDX_VM'] as const) {
    it(`${type}: a converted page reads as zero, never as the other side's bytes`, () => {
      using w = conversionWorld({ pages: 2, shared: true, type });
      w.hostWrite(0, 0x77);
      w.file.conversion!.toPrivate(0, 2 * P);
      guestSees(w.guestRead(0), 0, 'the guest does not see the host\'s plaintext');
      assert.ok(w.guestWrite(1, 0x99).ok);
      w.file.conversion!.toShared(0, 2 * P);
      assert.equal(w.hostRead(1), 0, 'the host never reads the guest\'s private bytes');
    });
  }
  it('SW_PROTECTED keeps contents both ways', () => {
    using w = conversionWorld({ pages: 1, shared: true });
    w.hostWrite(0, 0x31);
    w.file.conversion!.toPrivate(0, P);
    guestSees(w.guestRead(0), 0x31, 'kept');
  });
});

describe('rfc-1g-v2 profile: KVM_GMEM_CONVERT_SHARED/_PRIVATE', () => {
  const SUPPORT_SHARED = 1n;
  const INIT_PRIVATE = 2n;
  it('files start shared; INIT_PRIVATE needs SUPPORT_SHARED; error_offset must be 0; size 0 is a no-op', () => {
    using kvm = openModel('rfc-1g-v2');
    using vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    expectCode(() => vm.createGuestMemfd({ size: P, flags: INIT_PRIVATE }), 'EINVAL');
    using f = vm.createGuestMemfd({ size: 2 * P, flags: SUPPORT_SHARED });
    using map = f.mmap();
    map.fill(0, 2 * P, 3);
    expectCode(() => f.conversion!.gmemConvert('private', { offset: 0, size: P, errorOffset: 8 }), 'EINVAL');
    f.conversion!.gmemConvert('private', { offset: 0, size: 0 });
    assert.equal(map.read(0, 1)[0], 3);
    f.conversion!.toPrivate(0, P);
    expectCode(() => map.read(0, 1), 'SIGBUS');
    using pin = f.pins!.pin(P, P);
    const err = expectCode(() => f.conversion!.gmemConvert('private', { offset: 0, size: 2 * P }), 'EAGAIN');
    assert.equal(err.errorOffset, BigInt(P));
    expectCode(() => f.conversion!.setMemoryAttributes2({ offset: 0, size: P, attributes: 0 }), 'ENOTTY');
    using priv = vm.createGuestMemfd({ size: P, flags: SUPPORT_SHARED | INIT_PRIVATE });
    expectCode(() => priv.mmap().read(0, 1), 'SIGBUS');
    using noShared = vm.createGuestMemfd({ size: P, flags: 0 });
    expectCode(() => noShared.conversion!.gmemConvert('shared', { offset: 0, size: P }), 'EINVAL');
  });
});
