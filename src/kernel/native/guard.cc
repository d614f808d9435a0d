#include "guard.h"

#include <emmintrin.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include <atomic>
#include <mutex>

namespace gmem {
namespace {

// The guarded range of the current thread's copy. volatile: the stores around the copy must
// happen in order, and the compiler sees no reader but the handler. initial-exec TLS: a signal
// handler must not take the lazy TLS allocation path.
struct Guard {
  sigjmp_buf jmp;
  uintptr_t lo;
  uintptr_t hi;
};
__attribute__((tls_model("initial-exec"))) thread_local Guard* volatile g_guard = nullptr;

// The disposition ours replaced, for signals that are not ours. A re-install (under g_install)
// writes the slot the handler is not reading and then publishes it, so a handler running on
// another thread meanwhile reads a whole disposition, never a half-written one.
struct sigaction g_previous_slots[2];
std::atomic<int> g_previous_index{0};
static_assert(std::atomic<int>::is_always_lock_free, "read in a signal handler");
std::mutex g_install;

const struct sigaction& Previous() { return g_previous_slots[g_previous_index.load(std::memory_order_acquire)]; }

void SetPrevious(const struct sigaction& replaced) {
  int next = 1 - g_previous_index.load(std::memory_order_relaxed);
  g_previous_slots[next] = replaced;
  g_previous_index.store(next, std::memory_order_release);
}

void OnSigbus(int sig, siginfo_t* info, void* ctx) {
  Guard* guard = g_guard;
  uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  bool fault = info->si_code > 0;  // Raised by the kernel for an access, not sent by kill().
  if (guard != nullptr && fault && addr >= guard->lo && addr < guard->hi) siglongjmp(guard->jmp, 1);
  const struct sigaction& previous = Previous();
  if (previous.sa_flags & SA_SIGINFO) {
    // A handler that takes siginfo can tell a fault from a sent signal (V8, a sanitizer): it decides.
    if (previous.sa_sigaction != nullptr) {
      previous.sa_sigaction(sig, info, ctx);
      return;
    }
  } else if (!fault && previous.sa_handler == SIG_IGN) {
    return;  // A sent signal, ignored as asked.
  } else if (!fault && previous.sa_handler != SIG_DFL && previous.sa_handler != nullptr) {
    // A sent signal for a plain handler: Node's, when JavaScript listens for 'SIGBUS'.
    previous.sa_handler(sig);
    return;
  }
  // A fault outside a guarded copy, or the default action: die of SIGBUS. A plain handler (such as
  // libuv's, which only queues the signal for JavaScript) would return to the faulting access and
  // spin on it forever. A fault re-executes and dies; a sent signal is raised again.
  signal(SIGBUS, SIG_DFL);
  if (!fault) raise(SIGBUS);
}

// Make ours the installed handler, remembering what it replaces. Called once at load and before
// every guarded copy: Node installs its own handler when JavaScript adds a 'SIGBUS' listener and
// the default one when the last listener goes, either of which would otherwise leave a guarded
// copy unguarded (a spin on a handler that returns, or death by the default action).
bool EnsureInstalled() {
  struct sigaction current;
  if (sigaction(SIGBUS, nullptr, &current) != 0) return false;
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == OnSigbus) return true;
  std::lock_guard<std::mutex> held(g_install);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  struct sigaction replaced;
  if (sigaction(SIGBUS, &sa, &replaced) != 0) return false;
  // Another thread may have re-installed ours between the two calls: never record ourselves.
  if (!((replaced.sa_flags & SA_SIGINFO) && replaced.sa_sigaction == OnSigbus)) SetPrevious(replaced);
  return true;
}

constexpr uint64_t kPage = 4096;

// Copy with unaligned 16-byte vector loads and stores. glibc's memcpy uses rep movsb for these
// sizes, which runs several times slower when source and destination are not aligned alike (a
// page-aligned mapping against a JavaScript buffer 16 bytes into its allocation); plain vector
// moves do not care. x86-64 always has SSE2.
void CopyBytes(uint8_t* dst, const uint8_t* src, uint64_t n) {
  uint64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), a);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
  }
  if (i < n) memcpy(dst + i, src + i, n - i);
}

}  // namespace

bool InstallGuard() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = EnsureInstalled(); });
  return ok;
}

int64_t GuardedCopy(CopyKind kind, uint8_t* mapped, uint8_t* buffer, uint64_t length, int fill) {
  if (!EnsureInstalled()) return -1;
  volatile uint64_t done = 0;
  Guard guard;
  guard.lo = reinterpret_cast<uintptr_t>(mapped);
  guard.hi = guard.lo + length;
  if (sigsetjmp(guard.jmp, 1) != 0) {
    g_guard = nullptr;
    return static_cast<int64_t>(done);
  }
  g_guard = &guard;
  while (done < length) {
    uint64_t at = reinterpret_cast<uintptr_t>(mapped) + done;
    uint64_t chunk = kPage - (at % kPage);
    if (chunk > length - done) chunk = length - done;
    switch (kind) {
      case CopyKind::kRead: CopyBytes(buffer + done, mapped + done, chunk); break;
      case CopyKind::kWrite: CopyBytes(mapped + done, buffer + done, chunk); break;
      case CopyKind::kFill: memset(mapped + done, fill, chunk); break;
    }
    done = done + chunk;
  }
  g_guard = nullptr;
  return static_cast<int64_t>(done);
}

}  // namespace gmem
