import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as uapi from '../src/uapi/index.js';
import { pageOf } from '../src/uapi/memory.js';

describe('uapi tables', () => {
  it('ioctl numbers match the kernel encoding (asm-generic _IO/_IOW/_IOWR)', () => {
    const I = uapi.KVM_IOCTLS.byName;
    assert.equal(I.KVM_GET_API_VERSION, 0xae00);
    assert.equal(I.KVM_CREATE_VM, 0xae01);
    assert.equal(I.KVM_CHECK_EXTENSION, 0xae03);
    assert.equal(I.KVM_CREATE_VCPU, 0xae41);
    assert.equal(I.KVM_SET_USER_MEMORY_REGION, 0x4020ae46);
    assert.equal(I.KVM_SET_USER_MEMORY_REGION2, 0x40a0ae49);
    assert.equal(I.KVM_SET_MEMORY_ATTRIBUTES, 0x4020aed2);
    assert.equal(I.KVM_CREATE_GUEST_MEMFD, 0xc040aed4);
    assert.equal(I.KVM_PRE_FAULT_MEMORY, 0xc040aed5);
    assert.equal(I.KVM_RUN, 0xae80);
    assert.equal(uapi.KVM_IOCTLS.nameOf(0xc040aed4), 'KVM_CREATE_GUEST_MEMFD');
  });
  it('struct layouts span exactly the sizes the ioctls encode', () => {
    assert.equal(uapi.layoutSize(uapi.kvm_create_guest_memfd), uapi.STRUCT_SIZES.kvm_create_guest_memfd);
    assert.equal(uapi.layoutSize(uapi.kvm_userspace_memory_region), uapi.STRUCT_SIZES.kvm_userspace_memory_region);
    assert.equal(uapi.layoutSize(uapi.kvm_userspace_memory_region2), uapi.STRUCT_SIZES.kvm_userspace_memory_region2);
    assert.equal(uapi.layoutSize(uapi.kvm_memory_attributes), uapi.STRUCT_SIZES.kvm_memory_attributes);
    assert.equal(uapi.layoutSize(uapi.kvm_pre_fault_memory), uapi.STRUCT_SIZES.kvm_pre_fault_memory);
    assert.equal(uapi.kvm_userspace_memory_region2.guest_memfd.offset, 40);
    assert.equal(uapi.kvm_run.memory_fault_gpa.offset, 40);
  });
  it('capabilities, exit reasons, errnos and VM types decode both ways', () => {
    assert.equal(uapi.KVM_CAPS.byName.KVM_CAP_GUEST_MEMFD_FLAGS, 244);
    assert.equal(uapi.KVM_CAPS.nameOf(233), 'KVM_CAP_MEMORY_ATTRIBUTES');
    assert.equal(uapi.KVM_CAPS.nameOf(9999), undefined);
    assert.equal(uapi.KVM_EXIT_REASONS.nameOf(39), 'KVM_EXIT_MEMORY_FAULT');
    assert.equal(uapi.KVM_EXIT_REASONS.valueOf('KVM_EXIT_MMIO'), 6);
    assert.equal(uapi.ERRNOS.nameOf(22), 'EINVAL');
    assert.equal(uapi.ERRNOS.byName.EOPNOTSUPP, 95);
    assert.equal(uapi.KVM_X86_VM_TYPES.nameOf(5), 'KVM_X86_TDX_VM');
    assert.deepEqual(uapi.decodeVmTypes(0b110011), ['KVM_X86_DEFAULT_VM', 'KVM_X86_SW_PROTECTED_VM', 'KVM_X86_SNP_VM', 'KVM_X86_TDX_VM']);
    assert.throws(() => uapi.KVM_CAPS.valueOf('KVM_CAP_NOPE'), TypeError);
  });
  it('flag sets decode to names and back, unknown bits shown in hex', () => {
    const F = uapi.GUEST_MEMFD_FLAGS;
    assert.deepEqual(F.decode(3n), ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED']);
    assert.equal(F.encode(['GUEST_MEMFD_FLAG_INIT_SHARED']), 2n);
    assert.equal(F.format(0n), '0');
    assert.equal(F.format((1n << 40n) | 1n), 'GUEST_MEMFD_FLAG_MMAP|0x10000000000');
    assert.equal(F.unknownBits(7n), 4n);
    assert.equal(uapi.MEMSLOT_FLAGS.format(uapi.KVM_MEM_GUEST_MEMFD | uapi.KVM_MEM_READONLY), 'KVM_MEM_READONLY|KVM_MEM_GUEST_MEMFD');
    assert.equal(uapi.FALLOC_FLAGS.format(3), 'FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE');
    assert.throws(() => F.encode(['MMAP']), TypeError);
  });
});

describe('page geometry', () => {
  it('pageOf names the page the 12-bit shift names, on both sides of 2^53 and up to 2^64 - 1', () => {
    const edges = [0n, 1n, 4095n, 4096n, 4097n, 2n ** 53n - 4097n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 4095n, 2n ** 63n - 1n, 2n ** 64n - 1n];
    // Odd offsets just below 2^53 are where a rounding number would cross into the next page.
    for (let k = 1n; k <= 4096n; k++) edges.push(2n ** 53n - k, 2n ** 53n + k);
    for (const offset of edges) assert.equal(pageOf(offset), Number(offset >> 12n), `offset ${offset}`);
  });
});
