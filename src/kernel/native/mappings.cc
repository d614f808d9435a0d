#include "mappings.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <map>
#include <mutex>

#include "args.h"

namespace gmem {
namespace {

struct Mapping {
  uint64_t length;
  int prot;
  uint64_t leases;  // Copies in flight.
};

// One registry per process: the addon's statics are shared by the main thread and every Worker
// that loads it, and so are the mappings.
std::mutex g_lock;
std::condition_variable g_drained;
std::map<uint64_t, Mapping>& Registry() {
  static std::map<uint64_t, Mapping> registry;
  return registry;
}

// The mapping that holds [address, address + length) entirely (a zero-length range may sit at
// its end), or end().
std::map<uint64_t, Mapping>::iterator Containing(uint64_t address, uint64_t length) {
  auto& registry = Registry();
  uint64_t end;
  if (!RangeEnd(address, length, &end)) return registry.end();
  auto it = registry.upper_bound(address);
  if (it == registry.begin()) return registry.end();
  --it;
  if (end > it->first + it->second.length) return registry.end();
  return it;
}

// What the kernel maps, and so what the registry records: whole pages. A length within a page of
// the top of the address space rounds to 0, which no mapping has.
uint64_t PageRoundUp(uint64_t length) { return (length + kPageSize - 1) & ~(kPageSize - 1); }

// x86 has no write-only pages: PROT_WRITE alone is readable too. A zero-length copy touches nothing.
bool Allows(int prot, Access access, uint64_t length) {
  if (length == 0) return true;
  return (prot & (access == Access::kRead ? PROT_READ | PROT_WRITE : PROT_WRITE)) != 0;
}

// Exactly one whole registered mapping, once no copy is in it (waits for them), under the lock.
// Looked up again after each wait: another thread may have unmapped it meanwhile.
std::map<uint64_t, Mapping>::iterator Exact(std::unique_lock<std::mutex>& held, uint64_t address, uint64_t length) {
  auto& registry = Registry();
  for (;;) {
    auto it = registry.find(address);
    if (it == registry.end() || it->second.length != PageRoundUp(length)) return registry.end();
    if (it->second.leases == 0) return it;
    g_drained.wait(held);
  }
}

}  // namespace

MappingLease::MappingLease(uint64_t address, uint64_t length, Access access) {
  std::lock_guard<std::mutex> held(g_lock);
  auto it = Containing(address, length);
  if (it == Registry().end() || !Allows(it->second.prot, access, length)) return;
  it->second.leases++;
  start_ = it->first;
  ok_ = true;
}

MappingLease::~MappingLease() {
  if (!ok_) return;
  std::lock_guard<std::mutex> held(g_lock);
  // The entry cannot have gone: removal waits for leases to drain.
  auto it = Registry().find(start_);
  if (--it->second.leases == 0) g_drained.notify_all();
}

void RegisterMapping(uint64_t address, uint64_t length, int prot) {
  std::lock_guard<std::mutex> held(g_lock);
  Registry()[address] = Mapping{PageRoundUp(length), prot, 0};
}

long UnmapRegistered(uint64_t address, uint64_t length) {
  std::unique_lock<std::mutex> held(g_lock);
  auto it = Exact(held, address, length);
  if (it == Registry().end()) return kBadArguments;
  if (munmap(reinterpret_cast<void*>(address), length) < 0) return -errno;
  Registry().erase(it);
  return 0;
}

long ProtectRegistered(uint64_t address, uint64_t length, int prot) {
  std::unique_lock<std::mutex> held(g_lock);
  auto it = Exact(held, address, length);
  if (it == Registry().end()) return kBadArguments;
  if (mprotect(reinterpret_cast<void*>(address), length, prot) < 0) return -errno;
  it->second.prot = prot;
  return 0;
}

long AdviseRegistered(uint64_t address, uint64_t length, int advice) {
  if (std::find(std::begin(kAllowedAdvice), std::end(kAllowedAdvice), advice) == std::end(kAllowedAdvice)) return kBadArguments;
  std::unique_lock<std::mutex> held(g_lock);
  auto it = Exact(held, address, length);
  if (it == Registry().end()) return kBadArguments;
  if (madvise(reinterpret_cast<void*>(address), length, advice) < 0) return -errno;
  return 0;
}


namespace {
// The bytes get_nodes reads from a node mask for `maxnode`: the longs holding maxnode - 1 bits,
// or none when it reads nothing (maxnode - 1 is 0, or above PAGE_SIZE * 8, which it refuses).
uint64_t NodemaskReadBytes(uint64_t maxnode) {
  uint64_t bits = maxnode - 1;  // Wraps for 0, as the kernel's --maxnode does.
  if (bits == 0 || bits > kNodemaskMaxBits) return 0;
  return (bits + 63) / 64 * 8;
}
}  // namespace

long PolicyRegistered(uint64_t address, uint64_t length, uint64_t mode, const uint8_t* mask, uint64_t mask_length,
                      uint64_t maxnode, uint32_t flags) {
  if (mask != nullptr && mask_length < NodemaskReadBytes(maxnode)) return kBadArguments;
  // The kernel rounds the length up to whole pages: the rounded range must be ours too.
  uint64_t rounded = PageRoundUp(length);
  if (length != 0 && rounded == 0) return kBadArguments;
  std::lock_guard<std::mutex> held(g_lock);
  // A start inside a page is refused by the kernel before anything is read or changed: it only
  // needs to be in one of ours.
  if (Containing(address, (address & (kPageSize - 1)) != 0 ? 0 : rounded) == Registry().end()) return kBadArguments;
  if (syscall(SYS_mbind, address, length, mode, mask, maxnode, flags) < 0) return -errno;
  return 0;
}

long GetPolicyRegistered(uint64_t address, int flags, int* mode, uint8_t* mask, uint64_t mask_length) {
  if ((flags != MPOL_F_ADDR_BIT && flags != (MPOL_F_ADDR_BIT | MPOL_F_NODE_BIT)) || mask_length < kPolicyMaskBytes) {
    return kBadArguments;
  }
  std::lock_guard<std::mutex> held(g_lock);
  if (Containing(address, 1) == Registry().end()) return kBadArguments;
  if (syscall(SYS_get_mempolicy, mode, mask, kPolicyMaskBytes * 8 + 1, address, flags) < 0) return -errno;
  return 0;
}

}  // namespace gmem
