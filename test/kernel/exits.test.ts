/**
 * Decoding kvm_run into exits, from synthetic kvm_run bytes: covers the exits this host cannot
 * produce (KVM_EXIT_MEMORY_FAULT needs private memory or a guest_memfd-only slot, which this
 * host's MMU does not serve; FAIL_ENTRY needs a guest state KVM_SET_SREGS lets through).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeExit } from '../../src/kernel/exits.js';
import type { NativeAddon } from '../../src/kernel/native.js';

/** A fake addon whose guardedRead reads a kvm_run built in a buffer (address = offset). */
function fakeRun(build: (v: DataView) => void): NativeAddon {
  const bytes = new Uint8Array(8192);
  build(new DataView(bytes.buffer));
  return { guardedRead: (addr: bigint, dest: Uint8Array) => (dest.set(bytes.subarray(Number(addr), Number(addr) + dest.length)), dest.length) } as unknown as NativeAddon;
}

it('KVM_EXIT_MEMORY_FAULT decodes flags, gpa, size and the errno KVM_RUN returned', () => {
  const native = fakeRun((v) => (v.setUint32(8, 39, true), v.setBigUint64(32, 8n, true), v.setBigUint64(40, 0x1_0000_2000n, true), v.setBigUint64(48, 4096n, true)));
  assert.deepEqual(decodeExit(native, 0n, 14), { reason: 'KVM_EXIT_MEMORY_FAULT', errno: 'EFAULT', flags: 8n, gpa: 0x1_0000_2000n, size: 4096n });
});

it('KVM_EXIT_FAIL_ENTRY, KVM_EXIT_SYSTEM_EVENT and an unknown exit number', () => {
  assert.deepEqual(decodeExit(fakeRun((v) => (v.setUint32(8, 9, true), v.setBigUint64(32, 0x80000021n, true), v.setUint32(40, 3, true))), 0n, 0), {
    reason: 'KVM_EXIT_FAIL_ENTRY', hardwareEntryFailureReason: 0x80000021n, cpu: 3,
  });
  assert.deepEqual(decodeExit(fakeRun((v) => (v.setUint32(8, 24, true), v.setUint32(32, 2, true), v.setUint32(36, 1, true), v.setBigUint64(40, 7n, true))), 0n, 0), {
    reason: 'KVM_EXIT_SYSTEM_EVENT', type: 2, data: [7n],
  });
  assert.deepEqual(decodeExit(fakeRun((v) => v.setUint32(8, 40, true)), 0n, 0), { reason: 'unknown', exitReason: 40, name: 'KVM_EXIT_TDX' });
  assert.deepEqual(decodeExit(fakeRun((v) => v.setUint32(8, 999, true)), 0n, 0), { reason: 'unknown', exitReason: 999, name: undefined });
});

it('KVM_EXIT_IO out reads count x size bytes at data_offset', () => {
  const native = fakeRun((v) => {
    v.setUint32(8, 2, true);
    v.setUint8(32, 1);
    v.setUint8(33, 2);
    v.setUint16(34, 0x3f8, true);
    v.setUint32(36, 2, true);
    v.setBigUint64(40, 4096n, true);
    v.setUint32(4096, 0x04030201, true);
  });
  assert.deepEqual(decodeExit(native, 0n, 0), { reason: 'KVM_EXIT_IO', direction: 'out', size: 2, port: 0x3f8, count: 2, data: Uint8Array.of(1, 2, 3, 4) });
});
