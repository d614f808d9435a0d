import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openModel } from '../../src/open.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';
import { expectCode } from '../helpers.js';

describe('KVM_CREATE_GUEST_MEMFD', () => {
  it('checks flags before the size', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    const err = expectCode(() => vm.createGuestMemfd({ size: 1, flags: 4 }), 'EINVAL');
    assert.match(err.message, /flags/);
  });
  it('reads the size as a signed loff_t: 0 and 2^63 and above are EINVAL; 2^62 is fine (allocated lazily)', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    expectCode(() => vm.createGuestMemfd({ size: 0 }), 'EINVAL');
    expectCode(() => vm.createGuestMemfd({ size: 1n << 63n }), 'EINVAL');
    expectCode(() => vm.createGuestMemfd({ size: 0xffff_ffff_ffff_f000n }), 'EINVAL');
    using big = vm.createGuestMemfd({ size: 1n << 62n });
    assert.equal(big.stat().size, 1n << 62n);
    using largest = vm.createGuestMemfd({ size: (1n << 63n) - 4096n });
    assert.equal(largest.size, (1n << 63n) - 4096n);
  });
  it('does not check the reserved words, and accepts INIT_SHARED without MMAP', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    using f = vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_INIT_SHARED, reserved: [1, 2, 3, 4, 5, 6] });
    expectCode(() => f.mmap(), 'ENODEV');
  });
  it('refuses INIT_SHARED on a VM with private memory, where KVM_CAP_GUEST_MEMFD_FLAGS does not offer it', () => {
    using kvm = openModel();
    for (const type of ['KVM_X86_SW_PROTECTED_VM', 'KVM_X86_SNP_VM', 'KVM_X86_TDX_VM'] as const) {
      using vm = kvm.createVm(type);
      assert.equal(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 1);
      expectCode(() => vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED }), 'EINVAL', type);
      vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP }).close();
    }
  });
  it('fstat reports a regular 0600 file with the page size as blksize and no blocks', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    using f = vm.createGuestMemfd({ size: 8192 });
    assert.deepEqual({ ...f.stat(), ino: 0n }, { size: 8192n, blksize: 4096, blocks: 0n, mode: 0o100600, nlink: 1, ino: 0n, uid: 0, gid: 0 });
  });
  it('the file calls guest_memfd lacks fail with the VFS errno', () => {
    using kvm = openModel();
    using vm = kvm.createVm();
    using f = vm.createGuestMemfd({ size: 8192 });
    expectCode(() => f.read(0), 'EINVAL');
    expectCode(() => f.pread(8, 1n << 63n), 'EINVAL');
    expectCode(() => f.pwrite(new Uint8Array(8), 1n << 63n), 'EINVAL');
    expectCode(() => f.lseek(0, 0), 'ESPIPE');
    expectCode(() => f.lseek(0, 5), 'EINVAL');
    expectCode(() => f.ftruncate(0), 'EINVAL');
    expectCode(() => f.fsync(), 'EINVAL');
    expectCode(() => f.fchmod(0o644), 'EINVAL');
  });
});

describe('KVM_CREATE_VM and capabilities', () => {
  it('VM types outside KVM_CAP_VM_TYPES, including SEV and numbers >= 32, are EINVAL', () => {
    using kvm = openModel();
    assert.equal(kvm.checkExtension('KVM_CAP_VM_TYPES'), 0b110011);
    for (const t of [2, 3, 6, 31, 32, 64, 2 ** 40]) expectCode(() => kvm.createVm(t), 'EINVAL', `type ${t}`);
  });
  it('answers caps per spec: system scope, DEFAULT, and private-memory VMs', () => {
    using kvm = openModel();
    assert.equal(kvm.getApiVersion(), 12);
    assert.equal(kvm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 3);
    assert.equal(kvm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 8);
    assert.equal(kvm.checkExtension(9999), 0);
    assert.equal(kvm.checkExtension(1n << 40n), 0);
    using def = kvm.createVm(0);
    assert.equal(def.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'), 3);
    assert.equal(def.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 0);
    assert.equal(def.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE'), 2);
    using sw = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    assert.equal(sw.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'), 8);
    assert.equal(sw.checkExtension('KVM_CAP_MULTI_ADDRESS_SPACE'), 1);
    assert.equal(sw.checkExtension('KVM_CAP_READONLY_MEM'), 1);
    using tdx = kvm.createVm('KVM_X86_TDX_VM');
    assert.equal(tdx.checkExtension('KVM_CAP_READONLY_MEM'), 0);
  });
});
