/** Decoding kvm_run after KVM_RUN into a VcpuExit. */
import type { VcpuExit } from '../api.js';
import { KVM_EXIT_IO_IN, KVM_EXIT_REASONS } from '../uapi/exits.js';
import { ERRNOS } from '../uapi/errno.js';
import { kvm_run, type StructLayout } from '../uapi/structs.js';
import { KVM_RUN_DECODED_BYTES, kvm_run_exits as X } from '../uapi/vcpu.js';
import type { NativeAddon } from './native.js';

const R = KVM_EXIT_REASONS.byName;
void (kvm_run satisfies StructLayout);

/** Read and decode kvm_run at `run`; `runErrno` is KVM_RUN's errno (0 when it returned 0). */
export function decodeExit(native: NativeAddon, run: bigint, runErrno: number): VcpuExit {
  const head = new Uint8Array(KVM_RUN_DECODED_BYTES);
  native.guardedRead(run, head);
  const v = new DataView(head.buffer);
  const reason = v.getUint32(kvm_run.exit_reason.offset, true);
  const u64s = (at: number, n: number) => Array.from({ length: Math.min(n, 16) }, (_, i) => v.getBigUint64(at + i * 8, true));
  switch (reason) {
    case R.KVM_EXIT_IO: {
      const direction = v.getUint8(X.io.direction) === KVM_EXIT_IO_IN ? 'in' : 'out';
      const size = v.getUint8(X.io.size);
      const count = v.getUint32(X.io.count, true);
      const data = new Uint8Array(direction === 'out' ? size * count : 0);
      if (data.length) native.guardedRead(run + v.getBigUint64(X.io.dataOffset, true), data);
      return { reason: 'KVM_EXIT_IO', direction, size, port: v.getUint16(X.io.port, true), count, data };
    }
    case R.KVM_EXIT_MMIO: {
      const length = v.getUint32(X.mmio.len, true);
      const isWrite = v.getUint8(X.mmio.isWrite) !== 0;
      const data = isWrite ? head.slice(X.mmio.data, X.mmio.data + Math.min(length, 8)) : new Uint8Array(0);
      return { reason: 'KVM_EXIT_MMIO', gpa: v.getBigUint64(X.mmio.physAddr, true), length, isWrite, data };
    }
    case R.KVM_EXIT_HLT:
      return { reason: 'KVM_EXIT_HLT' };
    case R.KVM_EXIT_SHUTDOWN:
      return { reason: 'KVM_EXIT_SHUTDOWN' };
    case R.KVM_EXIT_MEMORY_FAULT:
      return {
        reason: 'KVM_EXIT_MEMORY_FAULT',
        errno: ERRNOS.nameOf(runErrno) ?? String(runErrno),
        flags: v.getBigUint64(X.memoryFault.flags, true),
        gpa: v.getBigUint64(X.memoryFault.gpa, true),
        size: v.getBigUint64(X.memoryFault.size, true),
      };
    case R.KVM_EXIT_INTERNAL_ERROR:
      return { reason: 'KVM_EXIT_INTERNAL_ERROR', suberror: v.getUint32(X.internal.suberror, true), data: u64s(X.internal.data, v.getUint32(X.internal.ndata, true)) };
    case R.KVM_EXIT_FAIL_ENTRY:
      return { reason: 'KVM_EXIT_FAIL_ENTRY', hardwareEntryFailureReason: v.getBigUint64(X.failEntry.hardwareEntryFailureReason, true), cpu: v.getUint32(X.failEntry.cpu, true) };
    case R.KVM_EXIT_SYSTEM_EVENT:
      return { reason: 'KVM_EXIT_SYSTEM_EVENT', type: v.getUint32(X.systemEvent.type, true), data: u64s(X.systemEvent.data, v.getUint32(X.systemEvent.ndata, true)) };
    case R.KVM_EXIT_INTR:
      return { reason: 'KVM_EXIT_INTR' };
    default:
      return { reason: 'unknown', exitReason: reason, name: KVM_EXIT_REASONS.nameOf(reason) };
  }
}
