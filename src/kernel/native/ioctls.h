// The numbers the C++ side uses on its own: the ioctl requests it issues or lets through, the
// kvm_run field the timer sets, and the timer's signal. Each is computed here with the kernel's
// own _IO* macros from the struct sizes in structs.h, checked against <linux/kvm.h> where the
// machine has it, and exported (as `constants`, `bufferIoctls` and `valueIoctls`) so that test/kernel/native
// pins every one of them against the TypeScript uAPI tables.
#pragma once
#include <linux/ioctl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "structs.h"

#if __has_include(<linux/kvm.h>)
#include <linux/kvm.h>
#define GMEM_HAVE_LINUX_KVM_H 1
#endif

namespace gmem {

constexpr uint32_t kKvmIo = 0xAE;
// The RFC v2 guest_memfd series has its own ioctl type.
constexpr uint32_t kGmemRfcIo = 0xAF;
// mm/gup_test.h's ioctl type: long-term pins from user space (CONFIG_GUP_TEST).
constexpr uint32_t kGupTestIo = 'g';

constexpr uint32_t kKvmRun = _IO(kKvmIo, 0x80);
constexpr uint32_t kKvmGetSupportedCpuid = _IOWR(kKvmIo, 0x05, kvm_cpuid2_s);
constexpr uint32_t kKvmSetCpuid2 = _IOW(kKvmIo, 0x90, kvm_cpuid2_s);
constexpr size_t kImmediateExitOffset = offsetof(kvm_run_head_s, immediate_exit);

#ifdef GMEM_HAVE_LINUX_KVM_H
static_assert(kKvmRun == KVM_RUN, "KVM_RUN agrees with <linux/kvm.h>");
// Not KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2: compiled as C++, the header's flexible array
// (__DECLARE_FLEX_ARRAY) makes sizeof(struct kvm_cpuid2) 12, not the 8 the kernel was built with,
// so those two macros give wrong numbers here (0xC00CAE05 for 0xC008AE05). The TypeScript table
// pins ours instead.
static_assert(offsetof(struct kvm_run, immediate_exit) == kImmediateExitOffset, "kvm_run.immediate_exit agrees with <linux/kvm.h>");
static_assert(sizeof(struct kvm_regs) == sizeof(kvm_regs_s), "kvm_regs agrees with <linux/kvm.h>");
static_assert(sizeof(struct kvm_sregs) == sizeof(kvm_sregs_s), "kvm_sregs agrees with <linux/kvm.h>");
static_assert(sizeof(struct kvm_cpuid_entry2) == sizeof(kvm_cpuid_entry2_s), "kvm_cpuid_entry2 agrees with <linux/kvm.h>");
#endif

// The only requests ioctlBuffer passes to the kernel: each has a fixed-size struct of exactly the
// size its number encodes and no pointer inside it that the kernel would write through. A
// request outside this list (a flexible-array struct like kvm_cpuid2, one that carries a user
// pointer like kvm_dirty_log, another driver's) could make the kernel write past the buffer.
struct BufferIoctl {  // A named request (also used for the value-taking ones below).
  const char* name;
  uint32_t request;
};
constexpr BufferIoctl kBufferIoctls[] = {
    {"KVM_SET_USER_MEMORY_REGION", _IOW(kKvmIo, 0x46, kvm_userspace_memory_region_s)},
    {"KVM_SET_USER_MEMORY_REGION2", _IOW(kKvmIo, 0x49, kvm_userspace_memory_region2_s)},
    {"KVM_GET_REGS", _IOR(kKvmIo, 0x81, kvm_regs_s)},
    {"KVM_SET_REGS", _IOW(kKvmIo, 0x82, kvm_regs_s)},
    {"KVM_GET_SREGS", _IOR(kKvmIo, 0x83, kvm_sregs_s)},
    {"KVM_SET_SREGS", _IOW(kKvmIo, 0x84, kvm_sregs_s)},
    {"KVM_SET_MEMORY_ATTRIBUTES", _IOW(kKvmIo, 0xd2, kvm_memory_attributes_s)},
    {"KVM_CREATE_GUEST_MEMFD", _IOWR(kKvmIo, 0xd4, kvm_create_guest_memfd_s)},
    {"KVM_PRE_FAULT_MEMORY", _IOWR(kKvmIo, 0xd5, kvm_pre_fault_memory_s)},
    // Proposals (src/uapi/proposals.ts).
    {"KVM_SET_MEMORY_ATTRIBUTES2", _IOWR(kKvmIo, 0xd2, kvm_memory_attributes2_s)},
    {"KVM_GMEM_CONVERT_SHARED", _IOWR(kGmemRfcIo, 0x41, kvm_gmem_convert_s)},
    {"KVM_GMEM_CONVERT_PRIVATE", _IOWR(kGmemRfcIo, 0x42, kvm_gmem_convert_s)},
    // gup_test (src/uapi/gupTest.ts): the kernel reads addr/size to pin those pages and writes
    // nothing back. PIN_LONGTERM_TEST_READ is left out on purpose: it copies every pinned page
    // through a pointer inside its argument, which no buffer length here could bound.
    {"PIN_LONGTERM_TEST_START", _IOW(kGupTestIo, 7, pin_longterm_test_s)},
};

// ioctlBuffer: a listed request, with a buffer of exactly the size the request encodes.
inline bool BufferIoctlAllowed(uint32_t request, size_t length) {
  for (const BufferIoctl& known : kBufferIoctls) {
    if (known.request == request) return _IOC_SIZE(request) == length;
  }
  return false;
}

// The only requests ioctlValue / ioctlInt pass on: the value-taking ioctls the library issues. Not
// every _IO request is safe with an arbitrary argument (KVM_REINJECT_CONTROL reads a struct through
// it despite its encoding), and KVM_RUN goes only through runVcpu (bounded by its timer, with
// kvm_run leased).
constexpr BufferIoctl kValueIoctls[] = {
    {"KVM_GET_API_VERSION", _IO(kKvmIo, 0x00)},
    {"KVM_CREATE_VM", _IO(kKvmIo, 0x01)},
    {"KVM_CHECK_EXTENSION", _IO(kKvmIo, 0x03)},
    {"KVM_GET_VCPU_MMAP_SIZE", _IO(kKvmIo, 0x04)},
    {"KVM_CREATE_VCPU", _IO(kKvmIo, 0x41)},
    {"PIN_LONGTERM_TEST_STOP", _IO(kGupTestIo, 8)},
};

inline bool ValueIoctlAllowed(uint32_t request) {
  for (const BufferIoctl& known : kValueIoctls) {
    if (known.request == request) return true;
  }
  return false;
}

// The signal the KVM_RUN timer sends: a real-time signal that neither Node, libuv nor glibc uses
// (glibc reserves the first ones below SIGRTMIN; Node and libuv use none of them).
inline int KickSignal() { return SIGRTMAX - 1; }

}  // namespace gmem
