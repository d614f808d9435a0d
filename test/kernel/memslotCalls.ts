/** The memslot ioctls the kernel backend issues while a piece of code runs, seen at the addon. */
import assert from 'node:assert/strict';
import { loadNative } from '../../src/kernel/native.js';
import { KVM_IOCTLS } from '../../src/uapi/ioctl.js';

export interface MemslotCall {
  slot: number;
  memorySize: bigint;
}

/** KVM_SET_USER_MEMORY_REGION(2) calls made while `body` runs: slot id and memory_size. */
export function memslotCalls(body: () => void): MemslotCall[] {
  const loaded = loadNative();
  assert.ok(loaded.ok);
  const addon = loaded.addon;
  const original = addon.ioctlBuffer;
  const calls: MemslotCall[] = [];
  addon.ioctlBuffer = (fd, request, buffer) => {
    if (request === KVM_IOCTLS.byName.KVM_SET_USER_MEMORY_REGION || request === KVM_IOCTLS.byName.KVM_SET_USER_MEMORY_REGION2) {
      const view = new DataView(buffer.buffer, buffer.byteOffset);
      calls.push({ slot: view.getUint32(0, true), memorySize: view.getBigUint64(16, true) });
    }
    return original.call(addon, fd, request, buffer);
  };
  try {
    body();
  } finally {
    addon.ioctlBuffer = original;
  }
  return calls;
}
