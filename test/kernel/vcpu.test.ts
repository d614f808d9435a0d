/**
 * vCPUs on the kernel backend: every exit kind this host produces, from tiny real-mode and
 * 32-bit programs, and a guest that never exits coming back as a timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Segment } from '../../src/api.js';
import { kernelCase } from '../backends.js';
import { expectCode } from '../helpers.js';
import { realModeGuest } from './realMode.js';

const kernel = kernelCase();
// mov bx,0; mov ax,0x2000; mov ds,ax  (so [bx] is GPA 0x20000, where no memslot is)
const DS_AT_0x20000 = [0xbb, 0x00, 0x00, 0xb8, 0x00, 0x20, 0x8e, 0xd8];
const flat = (selector: number, type: number): Segment => ({
  base: 0n, limit: 0xffff_ffff, selector, type, present: true, dpl: 0, db: true, s: true, l: false, g: true, avl: false, unusable: false,
});

describe('vCPU exits [kernel]', { skip: kernel.skip }, () => {
  it('KVM_EXIT_IO out: port, size, count and the byte written', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xba, 0x34, 0x12, 0xb0, 0x42, 0xee, 0xf4)); // mov dx,0x1234; mov al,0x42; out dx,al; hlt
    assert.deepEqual(g.vcpu.run(), { reason: 'KVM_EXIT_IO', direction: 'out', size: 1, port: 0x1234, count: 1, data: Uint8Array.of(0x42) });
    assert.deepEqual(g.vcpu.run(), { reason: 'KVM_EXIT_HLT' });
  });

  it('KVM_EXIT_IO in: completeIo hands the guest its byte', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xba, 0x34, 0x12, 0xec, 0xf4)); // mov dx,0x1234; in al,dx; hlt
    const exit = g.vcpu.run();
    assert.equal(exit.reason === 'KVM_EXIT_IO' && exit.direction, 'in');
    assert.throws(() => g.vcpu.completeIo(Uint8Array.of(1, 2)), RangeError);
    g.vcpu.completeIo(Uint8Array.of(0x77));
    assert.equal(g.vcpu.run().reason, 'KVM_EXIT_HLT');
    assert.equal(g.vcpu.getRegs().rax & 0xffn, 0x77n);
  });

  it('KVM_EXIT_MMIO read and write where no memslot is; a read is completed with completeIo', () => {
    using kvm = kernel.open();
    using r = realModeGuest(kvm, Uint8Array.of(...DS_AT_0x20000, 0x8a, 0x07, 0xf4)); // mov al,[bx]; hlt
    assert.deepEqual(r.vcpu.run(), { reason: 'KVM_EXIT_MMIO', gpa: 0x20000n, length: 1, isWrite: false, data: new Uint8Array(0) });
    r.vcpu.completeIo(Uint8Array.of(0x66));
    assert.equal(r.vcpu.run().reason, 'KVM_EXIT_HLT');
    assert.equal(r.vcpu.getRegs().rax & 0xffn, 0x66n);
    using w = realModeGuest(kvm, Uint8Array.of(...DS_AT_0x20000, 0xc6, 0x07, 0x99, 0xf4)); // mov byte [bx],0x99; hlt
    assert.deepEqual(w.vcpu.run(), { reason: 'KVM_EXIT_MMIO', gpa: 0x20000n, length: 1, isWrite: true, data: Uint8Array.of(0x99) });
    expectCode(() => w.vcpu.completeIo(Uint8Array.of(1)), 'EINVAL');
  });

  it('KVM_EXIT_HLT, and the guest sees memory the host wrote', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xbb, 0x00, 0x30, 0x8a, 0x07, 0xf4)); // mov bx,0x3000; mov al,[bx]; hlt
    g.memory.write(0x3000, Uint8Array.of(0x5c));
    assert.deepEqual(g.vcpu.run(), { reason: 'KVM_EXIT_HLT' });
    assert.equal(g.vcpu.getRegs().rax & 0xffn, 0x5cn);
  });

  it('KVM_EXIT_SHUTDOWN on a triple fault (32-bit protected mode, no IDT)', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0x0f, 0x0b)); // ud2
    const data = flat(0x10, 3);
    g.vcpu.setSregs({ cs: flat(0x08, 11), ds: data, es: data, ss: data, fs: data, gs: data, cr0: 0x11n, idt: { base: 0n, limit: 0 } });
    assert.deepEqual(g.vcpu.run(), { reason: 'KVM_EXIT_SHUTDOWN' });
  });

  it('KVM_EXIT_INTERNAL_ERROR when the guest executes from where no memory is', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xea, 0x00, 0x00, 0x00, 0x30)); // jmp 0x3000:0000 (GPA 0x30000: no slot)
    const exit = g.vcpu.run();
    assert.equal(exit.reason, 'KVM_EXIT_INTERNAL_ERROR');
    assert.equal(exit.reason === 'KVM_EXIT_INTERNAL_ERROR' && exit.suberror, 1, 'KVM_INTERNAL_ERROR_EMULATION');
  });

  it('a guest that never exits comes back as a timeout, and can be run again', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xeb, 0xfe)); // jmp $
    const t0 = Date.now();
    assert.deepEqual(g.vcpu.run({ timeoutMs: 200 }), { reason: 'timeout', timeoutMs: 200 });
    assert.ok(Date.now() - t0 < 5000, 'it came back promptly');
    assert.equal(g.vcpu.getRegs().rip, 0x1000n, 'still spinning on its jmp');
    g.vcpu.setRegs({ rip: 0x1000n });
    g.memory.write(0x1000, Uint8Array.of(0xf4));
    assert.deepEqual(g.vcpu.run(), { reason: 'KVM_EXIT_HLT' });
  });

  it('registers round-trip, bad register names and timeouts are refused, closed vCPUs answer EBADF', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xf4));
    g.vcpu.setRegs({ r15: 0x1122_3344_5566_7788n, rbx: 5 });
    const regs = g.vcpu.getRegs();
    assert.equal(regs.r15, 0x1122_3344_5566_7788n);
    assert.equal(regs.rbx, 5n);
    assert.throws(() => g.vcpu.setRegs({ rzz: 1n } as never), TypeError);
    assert.throws(() => g.vcpu.run({ timeoutMs: 0 }), RangeError);
    assert.throws(() => g.vcpu.setSregs({ cr9: 1n } as never), TypeError);
    expectCode(() => g.vm.createVcpu(0), 'EEXIST');
    g.vcpu.close();
    expectCode(() => g.vcpu.run(), 'EBADF');
    expectCode(() => g.vcpu.getRegs(), 'EBADF');
  });
});

describe('hostile input to a vCPU [kernel]', { skip: kernel.skip }, () => {
  it('setRegs, setSregs, run and completeIo refuse bad values with TypeError/RangeError and change nothing', () => {
    using kvm = kernel.open();
    using g = realModeGuest(kvm, Uint8Array.of(0xf4));
    const before = JSON.stringify(g.vcpu.getRegs(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const bad of [-1, 1.5, NaN, '1', null, {}, 1n << 64n]) {
      assert.throws(() => g.vcpu.setRegs({ rax: bad as never }), (e: unknown) => e instanceof TypeError || e instanceof RangeError);
    }
    for (const bad of [null, 5, 'x', []]) assert.throws(() => g.vcpu.setRegs(bad as never), TypeError);
    for (const bad of [-1, 0, 1.5, 'x', 3_600_001]) assert.throws(() => g.vcpu.run({ timeoutMs: bad as never }), RangeError);
    for (const bad of [null, 5, 'x']) assert.throws(() => g.vcpu.completeIo(bad as never), TypeError);
    assert.equal(JSON.stringify(g.vcpu.getRegs(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)), before);
  });
});
