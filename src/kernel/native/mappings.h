// The addon's own registry of the mappings it made. Guarded copies and the kvm_run kick may only
// touch bytes wholly inside one live mapping with the protection they need, so an address the
// addon did not map (0, another allocation, a Buffer of the JavaScript heap, an unmapped range,
// a read-only mapping for a write) is refused instead of faulting. A copy holds a reference on
// its mapping for its whole duration; munmap and mprotect wait for those to drain, so another
// thread (a Worker) cannot unmap or protect the memory under a copy in flight.
#pragma once
#include <stdint.h>
#include <sys/mman.h>

namespace gmem {

// The page size the kernel rounds lengths to (x86-64).
constexpr uint64_t kPageSize = 4096;

enum class Access { kRead, kWrite };

// A reference on one registered mapping, released by the destructor. `ok` is false when the range
// was refused (then nothing is held).
class MappingLease {
 public:
  MappingLease(uint64_t address, uint64_t length, Access access);
  ~MappingLease();
  MappingLease(const MappingLease&) = delete;
  MappingLease& operator=(const MappingLease&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
  uint64_t start_ = 0;  // The registry key of the held mapping.
};

// Record a mapping mmap() just returned.
void RegisterMapping(uint64_t address, uint64_t length, int prot);
// munmap / mprotect of exactly one whole registered mapping, after every copy in it has finished.
// Returns the syscall's result (0 or -errno), or kBadArguments when the range is not one of ours.
long UnmapRegistered(uint64_t address, uint64_t length);
long ProtectRegistered(uint64_t address, uint64_t length, int prot);
// madvise of exactly one whole registered mapping, with advice that changes no page contents
// (or MADV_COLLAPSE); any other advice is kBadArguments, as the JavaScript side offers no other.
// The list is the TypeScript MADV_ADVICE table's (test/kernel/native.test.ts compares them).
constexpr int kMadvCollapse = 25;  // MADV_COLLAPSE: older libc headers lack the name.
#ifdef MADV_COLLAPSE
static_assert(MADV_COLLAPSE == kMadvCollapse, "MADV_COLLAPSE");
#endif
constexpr int kAllowedAdvice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, kMadvCollapse};
long AdviseRegistered(uint64_t address, uint64_t length, int advice);

// mbind(2) of [address, address + length) (rounded up to whole pages) inside one registered
// mapping, so no policy reaches memory the addon did not map. `mask` may be null; else it must
// hold every byte the kernel reads for `maxnode`. Mode and flags go to the kernel as given: they
// are what it validates.
long PolicyRegistered(uint64_t address, uint64_t length, uint64_t mode, const uint8_t* mask, uint64_t mask_length,
                      uint64_t maxnode, uint32_t flags);
// get_nodes refuses a mask of more bits than a page holds (maxnode - 1 above it is EINVAL).
constexpr uint64_t kNodemaskMaxBits = kPageSize * 8;
// get_mempolicy(2) at an address inside a registered mapping, with MPOL_F_ADDR (the policy) or
// MPOL_F_ADDR | MPOL_F_NODE (the node of the page there) only; `mask` takes kPolicyMaskBytes.
// These numbers are the TypeScript uAPI's (uapi/mempolicy.ts; native.test.ts compares them).
constexpr int MPOL_F_NODE_BIT = 1 << 0;
constexpr int MPOL_F_ADDR_BIT = 1 << 1;
constexpr uint64_t kPolicyMaskBytes = 128;  // 1024 nodes: the largest MAX_NUMNODES on x86.
long GetPolicyRegistered(uint64_t address, int flags, int* mode, uint8_t* mask, uint64_t mask_length);

}  // namespace gmem
