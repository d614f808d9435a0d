/**
 * What the upstream 6.18 guest_memfd selftest checks that a scenario cannot say: two files made
 * one after the other have different inode numbers (scenarios never compare inode numbers, which
 * differ between any two runs). Every other check of that selftest is a catalog scenario
 * (catalog/selftest/*.json) or a code check (selftest.flags, selftest.invalid_sizes), run on the
 * model under every profile and, side by side with it, on the kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/uapi/memory.js';
import { backendCases, offeredVmTypes } from '../backends.js';

for (const backend of backendCases()) {
  describe(`guest_memfd selftest [${backend.label}]`, { skip: backend.skip }, () => {
    const probeKvm = backend.skip ? undefined : backend.open();
    const vmTypes = probeKvm ? offeredVmTypes(probeKvm) : [];
    probeKvm?.close();

    for (const [typeName, type] of vmTypes) {
      it(`multiple [${typeName}]: two files have their own inodes`, () => {
        using kvm = backend.open();
        using vm = kvm.createVm(type);
        using a = vm.createGuestMemfd({ size: PAGE_SIZE, flags: 0 });
        using b = vm.createGuestMemfd({ size: 2 * PAGE_SIZE, flags: 0 });
        assert.notEqual(a.stat().ino, b.stat().ino);
      });
    }
  });
}
