/**
 * Both backends check in the same order: the arguments first (a TypeError or RangeError, before
 * anything reaches a handle), then the handle (EBADF once closed). A closed handle given a bad
 * argument must fail the same way on the model and on the kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvmError } from '../src/errors.js';
import { backendCases } from './backends.js';

for (const backend of backendCases()) {
  describe(`argument checks come before the closed-handle check [${backend.label}]`, { skip: backend.skip }, () => {
    it('checkExtension on a closed /dev/kvm and a closed VM', () => {
      const kvm = backend.open();
      const vm = kvm.createVm(0);
      vm.close();
      assert.throws(() => vm.checkExtension(-1), RangeError);
      assert.throws(() => vm.checkExtension('KVM_CAP_NO_SUCH_THING' as never), TypeError);
      assert.throws(() => vm.checkExtension('KVM_CAP_GUEST_MEMFD'), (e) => e instanceof KvmError && e.code === 'EBADF');
      kvm.close();
      assert.throws(() => kvm.checkExtension(1.5), RangeError);
      assert.throws(() => kvm.checkExtension('KVM_CAP_GUEST_MEMFD'), (e) => e instanceof KvmError && e.code === 'EBADF');
    });
  });
}
