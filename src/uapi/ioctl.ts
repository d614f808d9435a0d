/**
 * KVM ioctl request numbers (x86-64, asm-generic encoding). The numbers are computed from
 * the _IO/_IOW/_IOWR encoding and the struct sizes so that a wrong size cannot hide.
 */
import { constantTable } from './table.js';
import { STRUCT_SIZES } from './structs.js';

import { VCPU_STRUCT_SIZES } from './vcpu.js';

const IOC_NONE = 0;
const IOC_WRITE = 1;
const IOC_READ = 2;
/** The KVM ioctl type byte. */
export const KVMIO = 0xae;

/** Encode an ioctl request number the way <asm-generic/ioctl.h> does. */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  // dir:2 | size:14 | type:8 | nr:8, kept unsigned.
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}
export const io = (type: number, nr: number): number => ioc(IOC_NONE, type, nr, 0);
export const iow = (type: number, nr: number, size: number): number => ioc(IOC_WRITE, type, nr, size);
export const ior = (type: number, nr: number, size: number): number => ioc(IOC_READ, type, nr, size);
export const iowr = (type: number, nr: number, size: number): number => ioc(IOC_READ | IOC_WRITE, type, nr, size);

export const KVM_IOCTLS = constantTable('ioctl', {
  KVM_GET_API_VERSION: io(KVMIO, 0x00),
  KVM_CREATE_VM: io(KVMIO, 0x01),
  KVM_CHECK_EXTENSION: io(KVMIO, 0x03),
  KVM_GET_VCPU_MMAP_SIZE: io(KVMIO, 0x04),
  KVM_GET_SUPPORTED_CPUID: iowr(KVMIO, 0x05, VCPU_STRUCT_SIZES.kvm_cpuid2),
  KVM_CREATE_VCPU: io(KVMIO, 0x41),
  KVM_SET_USER_MEMORY_REGION: iow(KVMIO, 0x46, STRUCT_SIZES.kvm_userspace_memory_region),
  KVM_SET_USER_MEMORY_REGION2: iow(KVMIO, 0x49, STRUCT_SIZES.kvm_userspace_memory_region2),
  KVM_RUN: io(KVMIO, 0x80),
  KVM_GET_REGS: ior(KVMIO, 0x81, VCPU_STRUCT_SIZES.kvm_regs),
  KVM_SET_REGS: iow(KVMIO, 0x82, VCPU_STRUCT_SIZES.kvm_regs),
  KVM_GET_SREGS: ior(KVMIO, 0x83, VCPU_STRUCT_SIZES.kvm_sregs),
  KVM_SET_SREGS: iow(KVMIO, 0x84, VCPU_STRUCT_SIZES.kvm_sregs),
  KVM_SET_CPUID2: iow(KVMIO, 0x90, VCPU_STRUCT_SIZES.kvm_cpuid2),
  KVM_SET_MEMORY_ATTRIBUTES: iow(KVMIO, 0xd2, STRUCT_SIZES.kvm_memory_attributes),
  KVM_CREATE_GUEST_MEMFD: iowr(KVMIO, 0xd4, STRUCT_SIZES.kvm_create_guest_memfd),
  KVM_PRE_FAULT_MEMORY: iowr(KVMIO, 0xd5, STRUCT_SIZES.kvm_pre_fault_memory),
});
export type KvmIoctlName = keyof typeof KVM_IOCTLS.byName;
