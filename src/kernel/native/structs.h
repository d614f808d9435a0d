// The uAPI structs, defined here rather than taken from the machine's kernel headers (which
// may predate guest_memfd). Sizes and offsets are asserted at compile time and exported, so a
// test can check they agree with src/uapi/structs.ts.
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
static_assert(offsetof(kvm_userspace_memory_region2_s, guest_memfd_offset) == 32, "guest_memfd_offset @32");
static_assert(offsetof(kvm_userspace_memory_region2_s, guest_memfd) == 40, "guest_memfd @40");

struct kvm_memory_attributes_s {
  uint64_t address;
  uint64_t size;
  uint64_t attributes;
  uint64_t flags;
};
static_assert(sizeof(kvm_memory_attributes_s) == 32, "kvm_memory_attributes is 32 bytes");

struct kvm_memory_attributes2_s {
  uint64_t offset;
  uint64_t size;
  uint64_t attributes;
  uint64_t flags;
  uint64_t error_offset;
  uint64_t reserved[11];
};
static_assert(sizeof(kvm_memory_attributes2_s) == 128, "kvm_memory_attributes2 is 128 bytes");

inline Napi::Object StructSizes(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kvm_create_guest_memfd", sizeof(kvm_create_guest_memfd_s));
  o.Set("kvm_userspace_memory_region", sizeof(kvm_userspace_memory_region_s));
  o.Set("kvm_userspace_memory_region2", sizeof(kvm_userspace_memory_region2_s));
  o.Set("kvm_memory_attributes", sizeof(kvm_memory_attributes_s));
  o.Set("kvm_memory_attributes2", sizeof(kvm_memory_attributes2_s));
  return o;
}
