/**
 * What a scenario cannot say about creating files and VMs on the model: which check refused a call
 * (the model's reason; both backends answer EINVAL), the credentials fstat reports (the caller's,
 * so not a rule a kernel run could share), and the linux-6.18 profile's capability answers that
 * depend on the host's configuration (profile data: catalog/capabilities/system_and_vm.json
 * compares them with a kernel as "any"; the answers every kernel gives, the API version and
 * unknown numbers, are its steps). The errno rules are catalog scenarios: catalog/create/*.json (sizes,
 * flags_before_size, reserved_ignored, init_shared_without_mmap, init_shared_private_memory,
 * vm_types, vm_type_numbers, flag_bits_and_sizes) and catalog/file/*.json (fstat, fixed_size,
 * calls_per_flags).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openModel } from '../../src/open.js';
import { expectCode } from '../helpers.js';

describe('KVM_CREATE_GUEST_MEMFD', () => {
  it('checks flags before the size', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    const err = expectCode(() => vm.createGuestMemfd({ size: 1, flags: 4 }), 'EINVAL');
    assert.match(err.message, /flags/);
  });
  it('fstat reports root as the owner', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    using f = vm.createGuestMemfd({ size: 8192 });
    const { uid, gid } = f.stat();
    assert.deepEqual({ uid, gid }, { uid: 0, gid: 0 });
  });
});

describe('KVM_CREATE_VM and capabilities (the linux-6.18 profile)', () => {
  it('offers DEFAULT, SW_PROTECTED, SNP and TDX in KVM_CAP_VM_TYPES', () => {
    using kvm = openModel();
    assert.equal(kvm.checkExtension('KVM_CAP_VM_TYPES'), 0b110011);
  });
  it('answers the configuration-dependent caps of a full-featured host: system scope, DEFAULT, and private-memory VMs', () => {
    using kvm = openModel();
    assert.equal(kvm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 3);
    assert.equal(kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 8);
    using def = kvm.createVm(0);
    assert.equal(def.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 3);
    assert.equal(def.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE'), 2);
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    assert.equal(sw.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 1);
    assert.equal(sw.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 8);
    assert.equal(sw.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE'), 1);
    assert.equal(sw.checkExtension('KVM_CAP_READONLY_MEM'), 1);
    using snp = kvm.createVm('KVM_X86_SNP_VM');
    assert.equal(snp.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 1);
    using tdx = kvm.createVm('KVM_X86_TDX_VM');
    assert.equal(tdx.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 1);
    assert.equal(tdx.checkExtension('KVM_CAP_READONLY_MEM'), 0);
  });
});
