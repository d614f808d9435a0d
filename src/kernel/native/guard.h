// The SIGBUS guard: a host touch of a page guest_memfd refuses raises SIGBUS; inside a guarded
// copy that becomes a short copy, anywhere else the signal does what it would have done.
#pragma once
#include <stdint.h>

namespace gmem {

// Installs the handler once per process. False when sigaction failed.
bool InstallGuard();

enum class CopyKind { kRead, kWrite, kFill };

// Copy page by page in ascending address order (chunks never cross a page of the mapping), so
// when a page faults, every byte before it was copied and none of it or after it. Returns the
// number of bytes done, or -1 when the guard could not be (re)installed. The caller has checked
// that [mapped, mapped + length) is inside a live mapping of ours with the right protection.
int64_t GuardedCopy(CopyKind kind, uint8_t* mapped, uint8_t* buffer, uint64_t length, int fill);

}  // namespace gmem
