// The uAPI structs as the C compiler lays them out, defined here rather than taken from the
// machine's kernel headers (which may predate guest_memfd). The TypeScript side encodes the
// bytes from the layouts in src/uapi; the sizes are asserted here at compile time, and every
// field's offset is exported so a test can check that the two descriptions agree.
#pragma once
#include <napi.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_create_guest_memfd_s {
  uint64_t size;
  uint64_t flags;
  uint64_t reserved[6];
};
static_assert(sizeof(kvm_create_guest_memfd_s) == 64, "kvm_create_guest_memfd is 64 bytes");

struct kvm_userspace_memory_region_s {
  uint32_t slot;
  uint32_t flags;
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
};
static_assert(sizeof(kvm_userspace_memory_region_s) == 32, "kvm_userspace_memory_region is 32 bytes");

struct kvm_userspace_memory_region2_s {
  uint32_t slot;
  uint32_t flags;
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
  uint64_t guest_memfd_offset;
  uint32_t guest_memfd;
  uint32_t pad1;
  uint64_t pad2[14];
};
static_assert(sizeof(kvm_userspace_memory_region2_s) == 160, "kvm_userspace_memory_region2 is 160 bytes");

struct kvm_memory_attributes_s {
  uint64_t address;
  uint64_t size;
  uint64_t attributes;
  uint64_t flags;
};
static_assert(sizeof(kvm_memory_attributes_s) == 32, "kvm_memory_attributes is 32 bytes");

struct kvm_pre_fault_memory_s {
  uint64_t gpa;
  uint64_t size;
  uint64_t flags;
  uint64_t padding[5];
};
static_assert(sizeof(kvm_pre_fault_memory_s) == 64, "kvm_pre_fault_memory is 64 bytes");

// Proposed (the v8 in-place conversion series).
struct kvm_memory_attributes2_s {
  uint64_t offset;
  uint64_t size;
  uint64_t attributes;
  uint64_t flags;
  uint64_t error_offset;
  uint64_t reserved[11];
};
static_assert(sizeof(kvm_memory_attributes2_s) == 128, "kvm_memory_attributes2 is 128 bytes");

// Proposed (RFC v2 of 1G page support).
struct kvm_gmem_convert_s {
  uint64_t offset;
  uint64_t size;
  uint64_t error_offset;
  uint64_t reserved[5];
};
static_assert(sizeof(kvm_gmem_convert_s) == 64, "kvm_gmem_convert is 64 bytes");

// mm/gup_test.h's PIN_LONGTERM_TEST_START argument (CONFIG_GUP_TEST's debugfs file). The padding
// is named so that the struct has no hidden bytes the kernel would read.
struct pin_longterm_test_s {
  uint64_t addr;
  uint64_t size;
  uint32_t flags;
  uint32_t pad;
};
static_assert(sizeof(pin_longterm_test_s) == 24, "pin_longterm_test is 24 bytes");

// The vCPU structs the addon only needs the sizes of (its ioctl table) and kvm_run's head.
struct kvm_regs_s {
  uint64_t regs[18];
};
static_assert(sizeof(kvm_regs_s) == 144, "kvm_regs is 144 bytes");

struct kvm_sregs_s {
  uint8_t segments_and_tables[224];
  uint64_t control[7];
  uint64_t interrupt_bitmap[4];
};
static_assert(sizeof(kvm_sregs_s) == 312, "kvm_sregs is 312 bytes");

struct kvm_cpuid_entry2_s {
  uint32_t function, index, flags, eax, ebx, ecx, edx, padding[3];
};
static_assert(sizeof(kvm_cpuid_entry2_s) == 40, "kvm_cpuid_entry2 is 40 bytes");

// The header; the entries follow it (a flexible array, so not part of the ioctl's encoded size).
struct kvm_cpuid2_s {
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(kvm_cpuid2_s) == 8, "kvm_cpuid2 is 8 bytes");

struct kvm_run_head_s {
  uint8_t request_interrupt_window;
  uint8_t immediate_exit;
  uint8_t padding1[6];
  uint32_t exit_reason;
};

#define GMEM_FIELD(s, f) fields.Set(#f, Napi::Number::New(env, offsetof(s##_s, f)))
#define GMEM_STRUCT(s, ...)                                         \
  do {                                                              \
    Napi::Object entry = Napi::Object::New(env);                    \
    Napi::Object fields = Napi::Object::New(env);                   \
    __VA_ARGS__;                                                    \
    entry.Set("size", Napi::Number::New(env, sizeof(s##_s)));       \
    entry.Set("fields", fields);                                    \
    out.Set(#s, entry);                                             \
  } while (0)

// { name: { size, fields: { field: offset } } } for every struct above.
inline Napi::Object StructLayouts(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  GMEM_STRUCT(kvm_create_guest_memfd, GMEM_FIELD(kvm_create_guest_memfd, size); GMEM_FIELD(kvm_create_guest_memfd, flags);
              GMEM_FIELD(kvm_create_guest_memfd, reserved));
  GMEM_STRUCT(kvm_userspace_memory_region, GMEM_FIELD(kvm_userspace_memory_region, slot);
              GMEM_FIELD(kvm_userspace_memory_region, flags); GMEM_FIELD(kvm_userspace_memory_region, guest_phys_addr);
              GMEM_FIELD(kvm_userspace_memory_region, memory_size); GMEM_FIELD(kvm_userspace_memory_region, userspace_addr));
  GMEM_STRUCT(kvm_userspace_memory_region2, GMEM_FIELD(kvm_userspace_memory_region2, slot);
              GMEM_FIELD(kvm_userspace_memory_region2, flags); GMEM_FIELD(kvm_userspace_memory_region2, guest_phys_addr);
              GMEM_FIELD(kvm_userspace_memory_region2, memory_size); GMEM_FIELD(kvm_userspace_memory_region2, userspace_addr);
              GMEM_FIELD(kvm_userspace_memory_region2, guest_memfd_offset); GMEM_FIELD(kvm_userspace_memory_region2, guest_memfd);
              GMEM_FIELD(kvm_userspace_memory_region2, pad1); GMEM_FIELD(kvm_userspace_memory_region2, pad2));
  GMEM_STRUCT(kvm_memory_attributes, GMEM_FIELD(kvm_memory_attributes, address); GMEM_FIELD(kvm_memory_attributes, size);
              GMEM_FIELD(kvm_memory_attributes, attributes); GMEM_FIELD(kvm_memory_attributes, flags));
  GMEM_STRUCT(kvm_pre_fault_memory, GMEM_FIELD(kvm_pre_fault_memory, gpa); GMEM_FIELD(kvm_pre_fault_memory, size);
              GMEM_FIELD(kvm_pre_fault_memory, flags); GMEM_FIELD(kvm_pre_fault_memory, padding));
  GMEM_STRUCT(kvm_memory_attributes2, GMEM_FIELD(kvm_memory_attributes2, offset); GMEM_FIELD(kvm_memory_attributes2, size);
              GMEM_FIELD(kvm_memory_attributes2, attributes); GMEM_FIELD(kvm_memory_attributes2, flags);
              GMEM_FIELD(kvm_memory_attributes2, error_offset); GMEM_FIELD(kvm_memory_attributes2, reserved));
  GMEM_STRUCT(kvm_gmem_convert, GMEM_FIELD(kvm_gmem_convert, offset); GMEM_FIELD(kvm_gmem_convert, size);
              GMEM_FIELD(kvm_gmem_convert, error_offset); GMEM_FIELD(kvm_gmem_convert, reserved));
  GMEM_STRUCT(pin_longterm_test, GMEM_FIELD(pin_longterm_test, addr); GMEM_FIELD(pin_longterm_test, size);
              GMEM_FIELD(pin_longterm_test, flags); GMEM_FIELD(pin_longterm_test, pad));
  return out;
}
