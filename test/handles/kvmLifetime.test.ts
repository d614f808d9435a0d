/**
 * A VM holds its own reference to /dev/kvm (#17 item 5): after kvm.close(), a VM keeps working
 * on both backends (as a VM descriptor does in the kernel), and the closed Kvm's number is not
 * freed for another file while the VM still needs it.
 */
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, KVM_MEM_GUEST_MEMFD } from '../../src/uapi/flags.js';
import { backendCases } from '../backends.js';
import { expectCode } from '../helpers.js';

const P = 4096;

for (const backend of backendCases()) {
  describe(`a VM outlives kvm.close() [${backend.label}]`, { skip: backend.skip }, () => {
    it('guest accesses after kvm.close() work, and the Kvm answers EBADF', () => {
      const kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 2 * P, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
      using map = file.mmap();
      map.fill(0, 2 * P, 0x41);
      vm.setUserMemoryRegion2({ slot: 0, flags: KVM_MEM_GUEST_MEMFD, guestPhysAddr: 1n << 32n, memorySize: 2 * P, guestMemfd: file, userspaceAddr: map });
      const kvmFd = kvm.fd;
      kvm.close();
      expectCode(() => kvm.checkExtension('KVM_CAP_USER_MEMORY'), 'EBADF');
      // Files opened now must not receive the closed Kvm's number while the VM still uses it.
      using a = vm.createGuestMemfd({ size: P });
      using b = vm.createGuestMemfd({ size: P });
      if (backend.backend === 'kernel') {
        assert.notEqual(a.fd, kvmFd);
        assert.notEqual(b.fd, kvmFd);
        assert.equal(readlinkSync(`/proc/self/fd/${kvmFd}`), '/dev/kvm', 'the number still names /dev/kvm');
      }
      const r = vm.guest.read((1n << 32n) + 8n, 4);
      assert.deepEqual(r.ok && [...r.value], [0x41, 0x41, 0x41, 0x41]);
      const w = vm.guest.write((1n << 32n) + BigInt(P), new Uint8Array([7]));
      assert.equal(w.ok, true);
      assert.equal(map.read(P, 1)[0], 7);
    });

    it('the /dev/kvm descriptor is closed once the Kvm and its last VM are', () => {
      const kvm = backend.open();
      const vm = kvm.createVm();
      const kvmFd = kvm.fd;
      kvm.close();
      vm.close();
      if (backend.backend === 'kernel') assert.throws(() => readlinkSync(`/proc/self/fd/${kvmFd}`), /ENOENT/);
    });
  });
}
