/**
 * What a scenario cannot say about in-place conversion in the model: its range maps (how many
 * ranges a conversion leaves, that a conversion allocates no page), the order of its checks (all
 * EINVAL on the kernel, told apart here by the model's reasons), an injected ENOMEM, the API's
 * shape per profile (a file's conversion part, KvmError.errorOffset), the memory-fault exit's
 * errno and size, and what encrypted VM types show across a conversion (the model's choice: zero).
 *
 * The kernel-visible rules are catalog scenarios: catalog/conversion/*.json (the upstream v8
 * conversion selftests init_private, init_shared, indexing, before_allocation,
 * unallocated_folios, truncate, forked_accesses, elevated_refcount; the checks of
 * KVM_SET_MEMORY_ATTRIBUTES2 in check_order; pins in elevated_refcount; the capabilities; the two
 * builds' VM ioctl; guest_kind_mismatch; a slot that lost its file in slots_served_from_file;
 * the RFC's KVM_GMEM_CONVERT_* in rfc_gmem_convert), and the property test compares every page
 * against a per-page reference (conversion.property.test.ts).
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

describe('conversion in the range maps (model internals)', () => {
  it('converting page i of four leaves two attribute ranges at an edge and three inside: equal neighbours merge', () => {
    for (let i = 0; i < 4; i++) {
      using w = conversionWorld({ pages: 4, shared: true });
      w.file.conversion!.toPrivate(i * P, P);
      assert.equal(w.inode.attributes.fragmentCount, i === 0 || i === 3 ? 2 : 3, `page ${i}`);
    }
  });

  for (const shared of [true, false]) {
    it(`a conversion to ${shared ? 'shared' : 'private'} allocates no page: it is recorded in the attribute map alone`, () => {
      using w = conversionWorld({ pages: 2, shared: !shared });
      assert.equal(w.inode.contents.storedPages, 0);
      if (shared) w.file.conversion!.toShared(0, 2 * P);
      else w.file.conversion!.toPrivate(0, 2 * P);
      assert.equal(w.inode.contents.storedPages, 0);
      assert.equal(w.inode.pageState.fragmentCount, 1, 'no page was allocated by the conversion');
    });
  }
});

describe('KVM_SET_MEMORY_ATTRIBUTES2: the order of its checks', () => {
  it('flags, then reserved words, then a VM without private memory, then attribute bits (the first failing check names itself)', () => {
    using w = conversionWorld({ pages: 2 });
    const set = (a: Partial<Parameters<InPlaceConversion['setMemoryAttributes2']>[0]>) =>
      w.file.conversion!.setMemoryAttributes2({ offset: 0, size: P, attributes: PRIVATE, ...a });
    assert.match(expectCode(() => set({ flags: 1, reserved: [1], attributes: 16, size: 0 }), 'EINVAL').reason!, /flags/);
    assert.match(expectCode(() => set({ reserved: [0, 0, 1], attributes: 16, size: 0 }), 'EINVAL').reason!, /reserved\[2\]/);
    assert.match(expectCode(() => set({ attributes: 16, size: 0 }), 'EINVAL').reason!, /attributes/);
    // A DEFAULT VM's file: on a kernel the backend offers no conversion part where the VM does
    // not announce in-place conversion, so a scenario could not ask this of both backends.
    using kvm = openModel('inplace');
    using vm = kvm.createVm(0);
    using plain = vm.createGuestMemfd({ size: P, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
    const err = expectCode(() => plain.conversion!.setMemoryAttributes2({ offset: 0, size: P, attributes: PRIVATE }), 'EINVAL');
    assert.match(err.message, /no private memory/);
  });
  it('ENOMEM (injected) reports error_offset = offset and changes nothing', () => {
    using w = conversionWorld({ pages: 4, shared: true });
    w.vmState.injectFault('KVM_SET_MEMORY_ATTRIBUTES2', 'ENOMEM');
    const err = expectCode(() => w.file.conversion!.toPrivate(2 * P, P), 'ENOMEM');
    assert.equal(err.errorOffset, BigInt(2 * P));
    assert.equal(w.inode.attributes.fragmentCount, 1);
    w.file.conversion!.toPrivate(2 * P, P);
  });
  it('linux-6.18 has no such ioctl: the file has no conversion part', () => {
    using w = conversionWorld({ pages: 1, profile: 'linux-6.18' });
    assert.equal(w.file.conversion, undefined);
    assert.equal(w.kvm.features().conversion, undefined);
  });
});

describe('in-place profiles', () => {
  it('inplace is another name for inplace-v13', () => {
    using kvm = openModel('inplace');
    assert.equal(kvm.profile, 'inplace-v13');
  });
  it('inplace-v13-legacy answers like 6.18 and keeps PRIVATE in the VM; its guest_memfd ioctl exists and answers ENOTTY', () => {
    // The catalog cannot tell this build from 6.18: the kernel backend never issues the
    // guest_memfd ioctl where the VM does not announce in-place conversion.
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
  it('a memory-fault exit carries EFAULT and the size of a page (a scenario compares the exit, the gpa and the flags)', () => {
    using w = conversionWorld({ pages: 2, type: 'KVM_X86_SNP_VM', shared: true });
    const r = w.guestRead(1, 'private');
    assert.deepEqual(!r.ok && r.exit, { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: KVM_MEMORY_EXIT_FLAG_PRIVATE, gpa: GPA_BASE + BigInt(P), size: 4096n });
  });
});

describe('contents across conversion on encrypted VM types (the model\'s choice)', () => {
  // Real SNP and TDX hardware shows ciphertext, not a rule a kernel defines; the model reads zero.
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
});
