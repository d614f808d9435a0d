/**
 * The kernel backend's in-place conversion paths against a kernel double (no in-place kernel runs
 * here): detection from the capability and the module parameter, a capability number the user
 * chooses, probe's report, and error_offset as the kernel writes it. The backend must issue every
 * conversion and report the kernel's answer, never answer for it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inPlaceConversion, formatProbe } from '../../src/cli/probe.js';
import type { Kvm } from '../../src/api.js';
import { KvmHandle } from '../../src/handles/kvm.js';
import { INPLACE_CAP_ENV, chooseInPlaceCapability } from '../../src/kernel/inPlace.js';
import { KernelKvm } from '../../src/kernel/kvm.js';
import { PROPOSED_IOCTLS } from '../../src/uapi/proposals.js';
import { kvm_memory_attributes2 } from '../../src/uapi/proposals.js';
import { KernelDouble, V13_DEFAULT_BUILD, inPlaceParameterFile, type DoubleConfig } from './fixtures/kernelDouble.js';
import { expectCode } from '../helpers.js';

const SET2 = PROPOSED_IOCTLS.byName.KVM_SET_MEMORY_ATTRIBUTES2;
const PAGE = 4096;

function open(config: DoubleConfig, parameter: 'Y' | 'N' | undefined, inPlaceCapability?: number): { kvm: Kvm; double: KernelDouble } {
  const double = new KernelDouble(config);
  const backend = KernelKvm.open('/dev/kvm-double', { native: double.addon(), inPlaceParameterPath: inPlaceParameterFile(parameter), ...(inPlaceCapability ? { inPlaceCapability } : {}) });
  return { kvm: new KvmHandle(backend), double };
}

describe('kernel backend against an in-place kernel double', () => {
  it('recognises the series from the capability and the module parameter', () => {
    const { kvm } = open(V13_DEFAULT_BUILD, 'Y');
    const f = kvm.features();
    assert.equal(f.conversion, 'attributes2');
    assert.equal(f.inPlaceCapability, 250);
    assert.equal(f.inPlaceParameter, 'Y');
    assert.equal(kvm.checkExtension(250), 8);
    assert.equal(kvm.createVm('KVM_X86_SW_PROTECTED_VM').checkExtension(250), 8);
    assert.equal(kvm.createVm(0).checkExtension(250), 0);
  });

  it("a DEFAULT VM's file gets the kernel's EINVAL: the conversion is issued, not answered by the backend", () => {
    const { kvm, double } = open(V13_DEFAULT_BUILD, 'Y');
    const f = kvm.createVm(0).createGuestMemfd({ size: 2 * PAGE, flags: 1 });
    assert.ok(f.conversion, 'the file offers conversion wherever the kernel has the series');
    expectCode(() => f.conversion!.toPrivate(0, PAGE), 'EINVAL');
    assert.equal(double.issued(SET2).length, 1);
  });

  it('the default build has no VM-wide attributes ioctl: the kernel answers ENOTTY', () => {
    const { kvm, double } = open(V13_DEFAULT_BUILD, 'Y');
    expectCode(() => kvm.createVm('KVM_X86_SW_PROTECTED_VM').setMemoryAttributes({ address: 0, size: PAGE, attributes: 0 }), 'ENOTTY');
    assert.equal(double.calls.at(-1)!.struct?.byteLength, 32);
  });

  it('the parameter off (build option on): the file still issues the call, and the kernel says ENOTTY', () => {
    const { kvm, double } = open({ ...V13_DEFAULT_BUILD, inPlace: false, vmAttributesIoctl: true }, 'N');
    assert.equal(kvm.checkExtension(250), 0);
    assert.equal(kvm.features().conversion, 'attributes2');
    const f = kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: PAGE, flags: 1 });
    expectCode(() => f.conversion!.toShared(0, PAGE), 'ENOTTY');
    assert.equal(double.issued(SET2).length, 1);
  });

  it('a kernel without the series: no conversion part, and the proposed number is never issued', () => {
    const { kvm, double } = open({ ...V13_DEFAULT_BUILD, inPlace: false }, undefined);
    assert.equal(kvm.features().conversion, undefined);
    assert.equal(kvm.features().inPlaceParameter, undefined);
    assert.equal(kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: PAGE, flags: 1 }).conversion, undefined);
    assert.equal(double.issued(SET2).length, 0);
  });
});

describe('error_offset as the kernel writes it', () => {
  it('EAGAIN carries the offset the kernel wrote (the pinned page)', () => {
    const { kvm, double } = open(V13_DEFAULT_BUILD, 'Y');
    const f = kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: 4 * PAGE, flags: 3 });
    double.pinned.add(BigInt(2 * PAGE));
    assert.equal(expectCode(() => f.conversion!.toPrivate(0, 4 * PAGE), 'EAGAIN').errorOffset, BigInt(2 * PAGE));
  });

  it("EINVAL leaves the caller's value in the struct and puts no errorOffset on the error", () => {
    const { kvm, double } = open(V13_DEFAULT_BUILD, 'Y');
    const f = kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: PAGE, flags: 3 });
    const args = { offset: 0, size: PAGE, attributes: 8, flags: 1, errorOffset: 0x1234 };
    assert.equal(expectCode(() => f.conversion!.setMemoryAttributes2(args), 'EINVAL').errorOffset, undefined);
    const sent = double.issued(SET2)[0]!.struct!;
    assert.equal(new DataView(sent.buffer).getBigUint64(kvm_memory_attributes2.error_offset.offset, true), 0x1234n);
    assert.equal(args.errorOffset, 0x1234);
  });

  it('success returns nothing and reads nothing back', () => {
    const { kvm } = open(V13_DEFAULT_BUILD, 'Y');
    const f = kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: PAGE, flags: 3 });
    assert.equal(f.conversion!.setMemoryAttributes2({ offset: 0, size: PAGE, attributes: 8, errorOffset: 7 }), undefined);
  });
});

describe('the capability number is the user\'s to set', () => {
  it('a kernel whose series numbered it 249 is recognised when told so', () => {
    const { kvm } = open({ ...V13_DEFAULT_BUILD, capability: 249 }, 'Y', 249);
    assert.equal(kvm.features().inPlaceCapability, 249);
    assert.equal(kvm.checkExtension(249), 8);
    const report = inPlaceConversion(kvm);
    assert.deepEqual({ ...report, detail: undefined }, { available: true, capability: 249, value: 8, parameter: 'Y', detail: undefined });
    assert.match(report.detail, /number used: 249\) answers 0x8; kvm\.gmem_in_place_conversion: Y; note: upstream gave 249 to KVM_CAP_S390_HPAGE_2G/);
  });

  it('told the wrong number, the backend reports what the kernel answers for it (nothing), and probe says which number it asked', () => {
    const { kvm } = open(V13_DEFAULT_BUILD, 'Y', 251);
    const report = inPlaceConversion(kvm);
    assert.equal(report.available, false);
    assert.equal(report.parameter, 'Y');
    assert.match(report.detail, /number used: 251\) answers 0x0/);
  });

  it(`${INPLACE_CAP_ENV} sets it; the option wins over it; bad values are refused before anything opens`, () => {
    assert.equal(chooseInPlaceCapability(undefined, { [INPLACE_CAP_ENV]: '249' }), 249);
    assert.equal(chooseInPlaceCapability(undefined, { [INPLACE_CAP_ENV]: '0xf9' }), 249);
    assert.equal(chooseInPlaceCapability(248, { [INPLACE_CAP_ENV]: '249' }), 248);
    assert.equal(chooseInPlaceCapability(undefined, {}), 250);
    assert.throws(() => chooseInPlaceCapability(undefined, { [INPLACE_CAP_ENV]: 'two-fifty' }), { name: 'TypeError', message: /GMEM_INPLACE_CAP/ });
    assert.throws(() => chooseInPlaceCapability(232, {}), { name: 'RangeError', message: /KVM_CAP_MEMORY_FAULT_INFO, a released capability/ });
    assert.throws(() => chooseInPlaceCapability(-1, {}), { name: 'RangeError' });
    assert.throws(() => chooseInPlaceCapability(2.5, {}), { name: 'RangeError' });
  });
});

describe('probe output on the double', () => {
  it('prints the number used, its answer and the parameter', () => {
    const { kvm } = open(V13_DEFAULT_BUILD, 'Y');
    const text = formatProbe({
      backend: 'kernel',
      backendReason: 'kernel double',
      profile: kvm.profile,
      apiVersion: 12,
      capabilities: [],
      vmTypes: [],
      inPlaceConversion: inPlaceConversion(kvm),
      guestMemfdFlags: { value: '0x3', decoded: [], flagsHiCapability: null },
      smoke: [],
    });
    assert.match(text, /In-place shared\/private conversion: yes — KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES \(number used: 250\) answers 0x8; kvm\.gmem_in_place_conversion: Y; note: upstream gave 250 to KVM_CAP_PPC_COMPAT_CAPS\n/);
  });
  it('says absent where the kernel has no parameter', () => {
    const { kvm } = open({ ...V13_DEFAULT_BUILD, inPlace: false }, undefined);
    assert.match(inPlaceConversion(kvm).detail, /answers 0x0; kvm\.gmem_in_place_conversion: absent; note: upstream gave 250 to KVM_CAP_PPC_COMPAT_CAPS$/);
  });
});
