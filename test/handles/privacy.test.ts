/**
 * A handle's state is private: assigning a mapping's address, length or mapped flag (or a
 * descriptor's fd or closed flag) from JavaScript throws, and even a property defined over the
 * getter changes nothing the handle reaches: reads still hit only the real mapping, and an
 * unmapped mapping stays unmapped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isArgumentError } from '../../src/args.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { backendCases } from '../backends.js';
import { expectCode } from '../helpers.js';

const P = 4096;
const SHARED = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

for (const backend of backendCases()) {
  describe(`handle state is private [${backend.label}]`, { skip: backend.skip }, () => {
    it('assigning address, length, mapped, fd or closed throws', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 2 * P, flags: SHARED });
      using map = file.mmap();
      const writable = map as unknown as Record<string, unknown>;
      for (const [field, value] of [['address', 0n], ['length', 1n << 40n], ['mapped', true], ['offset', 0n], ['prot', 7]] as const) {
        assert.throws(() => (writable[field] = value), TypeError, `map.${field} = ...`);
      }
      assert.throws(() => ((file as unknown as Record<string, unknown>).fd = 0), TypeError);
      assert.throws(() => ((file as unknown as Record<string, unknown>).closed = false), TypeError);
    });

    it('a property defined over the getters moves nothing: reads stay inside the live mapping', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      using file = vm.createGuestMemfd({ size: 2 * P, flags: SHARED });
      const map = file.mmap({ length: P });
      map.fill(0, P, 0x5a);
      const realAddress = map.address;
      Object.defineProperty(map, 'length', { value: 1n << 40n });
      Object.defineProperty(map, 'address', { value: 0x1000n });
      assert.equal(map.length, 1n << 40n, 'the shadowing property reads back');
      // The copy is still bounded by the real length and made at the real address.
      assert.throws(() => map.read(0, 2 * P), (err: unknown) => isArgumentError(err) && err.code === 'ERR_OUT_OF_RANGE');
      assert.deepEqual([...map.read(P - 2, 2)], [0x5a, 0x5a]);
      assert.notEqual(realAddress, 0x1000n);
      map.unmap();
      Object.defineProperty(map, 'mapped', { value: true });
      expectCode(() => map.read(0, 1), 'EBADF');
      expectCode(() => map.write(0, new Uint8Array([1])), 'EBADF');
    });

    it('a closed descriptor stays closed whatever is defined over closed and fd', () => {
      using kvm = backend.open();
      using vm = kvm.createVm();
      const file = vm.createGuestMemfd({ size: P, flags: SHARED });
      file.close();
      Object.defineProperty(file, 'closed', { value: false });
      Object.defineProperty(file, 'fd', { value: vm.fd });
      expectCode(() => file.stat(), 'EBADF');
      expectCode(() => file.mmap(), 'EBADF');
    });
  });
}
