/* Shared bits of the C counterparts of bench/kernel.bench.ts: the KVM numbers and a clock. */
#pragma once
#include <stdint.h>
#include <time.h>

#define KVM_CREATE_VM 0xAE01
#define KVM_CHECK_EXTENSION 0xAE03
#define KVM_CREATE_GUEST_MEMFD 0xC040AED4
#define KVM_CAP_GUEST_MEMFD 234
#define GUEST_MEMFD_FLAG_MMAP 1ull
#define GUEST_MEMFD_FLAG_INIT_SHARED 2ull

struct gmem_create {
  uint64_t size;
  uint64_t flags;
  uint64_t reserved[6];
};

static inline double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
