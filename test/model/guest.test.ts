/**
 * What a scenario cannot say about guest access on the model: an ordinary slot over an address
 * that maps nothing (on a real process some memory may live at any such address, so the kernel
 * cannot be asked the same), the whole memory-fault exit record (errno and size, which scenario
 * outcomes do not carry), the refusal of a private access on a VM without private memory (an
 * argument error), and the order of KVM_SET_MEMORY_ATTRIBUTES's checks (the model's reason; all
 * are EINVAL). The rules are catalog scenarios: catalog/guest/*.json (served_from_file,
 * mmio_without_memslot, readonly_slot, slot_end, unbacked_host_address, access_paths, gup_*,
 * vm_attributes_backing, vm_attributes_kind_mismatch), catalog/attributes/vm_ioctl_checks.json
 * and catalog/conversion/guest_kind_mismatch.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectCode } from '../helpers.js';
import { fixture } from './fixtures.js';

const P = 4096;

describe('guest access (model only)', () => {
  // The error-pfn path: KVM_RUN fails with EFAULT and fills no memory-fault exit (docs/kernel-behaviour.md#guest-access).
  it('an ordinary slot whose userspace_addr maps nothing makes KVM_RUN fail with EFAULT, no exit', () => {
    using f = fixture({ rawAddresses: true });
    f.vm.setUserMemoryRegion2({ slot: 0, guestPhysAddr: 0, memorySize: P, userspaceAddr: 0x1000000 });
    const err = expectCode(() => f.vm.guest.read(0, 1), 'EFAULT');
    assert.equal(err.operation, 'guest read'); // the handle layer names the API call; the model's reason names KVM_RUN's path
  });
  it('a VM without private memory cannot make private accesses', () => {
    using f = fixture();
    assert.throws(() => f.vm.guest.read(0, 1, { kind: 'private' }), RangeError);
  });
});

describe('KVM_SET_MEMORY_ATTRIBUTES', () => {
  it('checks flags, attributes, size, wrap and alignment in order (the reason tells which)', () => {
    using d = fixture();
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 16, flags: 1 }), 'EINVAL').reason!, /flags/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 16 }), 'EINVAL').reason!, /attributes/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 1, size: 0, attributes: 0 }), 'EINVAL').reason!, /size is 0/);
    assert.match(expectCode(() => d.vm.setMemoryAttributes({ address: 0xffff_ffff_ffff_f001n, size: 0x2000, attributes: 0 }), 'EINVAL').reason!, /wraps/);
  });
});
