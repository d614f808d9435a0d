// The native half of the kernel backend: thin, syscall-shaped wrappers and a SIGBUS-guarded
// copy. Every call returns its result or a negative errno (never throws for a failed syscall),
// so the TypeScript side owns all policy: naming, error objects, argument validation.
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <emmintrin.h>
#include <time.h>

#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "structs.h"

namespace {

// ---- argument helpers -------------------------------------------------------------------

// u64 arguments arrive as BigInt (or a safe-integer Number); the TypeScript layer has
// validated them, so a conversion failure here is a bug of ours, reported as kBadArguments.
bool ToU64(const Napi::Value& v, uint64_t* out) {
  if (v.IsBigInt()) {
    bool lossless = false;
    *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    return lossless;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0 || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d))) return false;
    *out = static_cast<uint64_t>(d);
    return true;
  }
  return false;
}

// An integer-valued, finite Number (no silent truncation: 1.5 or NaN is not descriptor 1 or 0).
bool ToInt(const Napi::Value& v, int64_t* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::trunc(d) || d < -9007199254740991.0 || d > 9007199254740991.0) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

Napi::Value Result(Napi::Env env, long r) { return Napi::Number::New(env, r < 0 ? -errno : r); }
// Arguments the addon cannot use: a bug in the TypeScript layer, never a kernel answer, so it gets
// a value no errno has (the TypeScript side turns it into a TypeError).
constexpr int kBadArguments = -0x10000;
Napi::Value Bad(Napi::Env env) { return Napi::Number::New(env, kBadArguments); }
Napi::Value U64(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

// ---- the SIGBUS guard ---------------------------------------------------------------------

// A host touch of a page guest_memfd refuses raises SIGBUS. Around exactly one guarded copy,
// the handler jumps back into the copy loop instead of killing the process; anywhere else it
// defers to whatever handler was installed before ours.
// The guarded range of the current thread's copy. volatile: the stores around the copy must
// happen in order, and the compiler sees no reader but the handler. initial-exec TLS: a signal
// handler must not take the lazy TLS allocation path.
struct Guard {
  sigjmp_buf jmp;
  uintptr_t lo;
  uintptr_t hi;
};
__attribute__((tls_model("initial-exec"))) thread_local Guard* volatile g_guard = nullptr;
struct sigaction g_previous_bus;

void OnSigbus(int sig, siginfo_t* info, void* ctx) {
  Guard* guard = g_guard;
  uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  // Ours only if the kernel raised it (si_code > 0, not kill()) for an address of the copy.
  if (guard != nullptr && info->si_code > 0 && addr >= guard->lo && addr < guard->hi) siglongjmp(guard->jmp, 1);
  if (g_previous_bus.sa_flags & SA_SIGINFO) {
    if (g_previous_bus.sa_sigaction != nullptr) g_previous_bus.sa_sigaction(sig, info, ctx);
    return;
  }
  if (g_previous_bus.sa_handler == SIG_IGN && info->si_code <= 0) return;  // A sent signal, ignored as asked.
  if (g_previous_bus.sa_handler == SIG_DFL || g_previous_bus.sa_handler == SIG_IGN || g_previous_bus.sa_handler == nullptr) {
    // Default action: a real fault re-executes and dies; a sent signal is raised again.
    signal(SIGBUS, SIG_DFL);
    if (info->si_code <= 0) raise(SIGBUS);
    return;
  }
  g_previous_bus.sa_handler(sig);
}

// Once per process, however many times the addon is loaded (the main thread and each Worker run
// Init): a second install would record our own handler as "the previous one" and recurse.
bool InstallGuard() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = OnSigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ok = sigaction(SIGBUS, &sa, &g_previous_bus) == 0;
  });
  return ok;
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

enum class CopyKind { kRead, kWrite, kFill };

// Copy page by page in ascending address order (chunks never cross a page of the mapping), so
// when a page faults, every byte before it was copied and none of it or after it. Returns the
// number of bytes done.
uint64_t GuardedCopy(CopyKind kind, uint8_t* mapped, uint8_t* buffer, uint64_t length, int fill) {
  volatile uint64_t done = 0;
  Guard guard;
  guard.lo = reinterpret_cast<uintptr_t>(mapped);
  guard.hi = guard.lo + length;
  if (sigsetjmp(guard.jmp, 1) != 0) {
    g_guard = nullptr;
    return done;
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
  return done;
}

// ---- bounded KVM_RUN -----------------------------------------------------------------------

// A guest that never exits must not hang the caller. A per-run POSIX timer sends a signal to
// this thread; its handler sets kvm_run.immediate_exit, so KVM_RUN returns EINTR whether the
// signal lands during the run or just before it (the race immediate_exit exists to close).
constexpr unsigned long kKvmRun = 0xAE80;
constexpr size_t kImmediateExitOffset = 1;
__attribute__((tls_model("initial-exec"))) thread_local volatile uint8_t* g_immediate_exit = nullptr;

int KickSignal() { return SIGRTMAX - 1; }  // Not used by Node, libuv or glibc.

void OnKick(int) {
  volatile uint8_t* flag = g_immediate_exit;
  if (flag != nullptr) *flag = 1;
}

bool InstallKick() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnKick;  // No SA_RESTART: KVM_RUN must come back with EINTR.
    sigemptyset(&sa.sa_mask);
    ok = sigaction(KickSignal(), &sa, nullptr) == 0;
  });
  return ok;
}

// runVcpu(vcpuFd, runAddress, timeoutMs) -> 0 | 1 (timed out) | -errno.
Napi::Value RunVcpu(const Napi::CallbackInfo& info) {
  int64_t fd, timeout_ms;
  uint64_t run_addr;
  if (!ToInt(info[0], &fd) || !ToU64(info[1], &run_addr) || !ToInt(info[2], &timeout_ms) || timeout_ms <= 0) return Bad(info.Env());
  if (!InstallKick()) return Napi::Number::New(info.Env(), -ENOSYS);
  volatile uint8_t* immediate_exit = reinterpret_cast<volatile uint8_t*>(run_addr + kImmediateExitOffset);
  *immediate_exit = 0;
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = 4;  // SIGEV_THREAD_ID: this thread, not any thread of the process.
  sev.sigev_signo = KickSignal();
  sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) return Napi::Number::New(info.Env(), -errno);
  g_immediate_exit = immediate_exit;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = timeout_ms / 1000;
  its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
  timer_settime(timer, 0, &its, nullptr);
  int r = ioctl(static_cast<int>(fd), kKvmRun, 0);
  int err = errno;
  timer_delete(timer);
  g_immediate_exit = nullptr;
  bool kicked = *immediate_exit != 0;
  *immediate_exit = 0;
  if (r < 0 && err == EINTR && kicked) return Napi::Number::New(info.Env(), 1);
  return Napi::Number::New(info.Env(), r < 0 ? -err : 0);
}

// setupCpuid(kvmFd, vcpuFd) -> 0 | -errno: give the vCPU every CPUID leaf KVM supports (long
// mode, PAE, the host's physical address width), as a VMM does before running code that pages.
Napi::Value SetupCpuid(const Napi::CallbackInfo& info) {
  int64_t kvm_fd, vcpu_fd;
  if (!ToInt(info[0], &kvm_fd) || !ToInt(info[1], &vcpu_fd)) return Bad(info.Env());
  struct Entry {
    uint32_t function, index, flags, eax, ebx, ecx, edx, padding[3];
  };
  static_assert(sizeof(Entry) == 40, "kvm_cpuid_entry2 is 40 bytes");
  constexpr uint32_t kMaxEntries = 256;
  std::vector<uint8_t> buf(8 + kMaxEntries * sizeof(Entry), 0);
  memcpy(buf.data(), &kMaxEntries, 4);
  constexpr unsigned long kGetSupportedCpuid = 0xC008AE05;  // _IOWR(0xAE, 0x05, struct kvm_cpuid2)
  constexpr unsigned long kSetCpuid2 = 0x4008AE90;          // _IOW(0xAE, 0x90, struct kvm_cpuid2)
  if (ioctl(static_cast<int>(kvm_fd), kGetSupportedCpuid, buf.data()) < 0) return Napi::Number::New(info.Env(), -errno);
  return Result(info.Env(), ioctl(static_cast<int>(vcpu_fd), kSetCpuid2, buf.data()));
}

// ---- syscalls ------------------------------------------------------------------------------

// open(path, flags) -> fd | -errno. O_CLOEXEC always: a KVM fd leaking into a child is a bug
// (KVM's own VM and vCPU fds are close-on-exec; guest_memfd fds get it with setCloexec).
Napi::Value Open(const Napi::CallbackInfo& info) {
  int64_t flags;
  if (!info[0].IsString() || !ToInt(info[1], &flags)) return Bad(info.Env());
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return Result(info.Env(), open(path.c_str(), static_cast<int>(flags) | O_CLOEXEC));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ToInt(info[0], &fd)) return Bad(info.Env());
  return Result(info.Env(), close(static_cast<int>(fd)));
}

// ioctl(fd, request, arg) with an integer argument (KVM_CHECK_EXTENSION, KVM_CREATE_VM, ...).
Napi::Value IoctlValue(const Napi::CallbackInfo& info) {
  int64_t fd, request;
  uint64_t arg;
  if (!ToInt(info[0], &fd) || !ToInt(info[1], &request) || !ToU64(info[2], &arg)) return Bad(info.Env());
  return Result(info.Env(), ioctl(static_cast<int>(fd), static_cast<unsigned long>(request), static_cast<unsigned long>(arg)));
}

// ioctlInt(fd, request, arg): the hot path (KVM_CHECK_EXTENSION and friends), written against the
// C API directly: three int32 reads and one result, without node-addon-api's per-call wrappers,
// because capability checks are what callers do in loops.
napi_value IoctlInt(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = 0, request = 0, arg = 0;
  int32_t result = kBadArguments;
  // int32 values only: napi_get_value_int32 alone would turn 1.5 into 1 and NaN into 0.
  auto int32 = [env](napi_value v, int32_t* out) {
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok || d != std::trunc(d) || d < -2147483648.0 || d > 4294967295.0) return false;
    *out = static_cast<int32_t>(static_cast<int64_t>(d));
    return true;
  };
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) == napi_ok && argc == 3 && int32(argv[0], &fd) && int32(argv[1], &request) &&
      int32(argv[2], &arg)) {
    // ioctl returns an int, so the result always fits an int32 (a V8 small integer).
    int r = ioctl(fd, static_cast<unsigned long>(static_cast<uint32_t>(request)), static_cast<unsigned long>(static_cast<uint32_t>(arg)));
    result = r < 0 ? -errno : r;
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

// ioctl(fd, request, struct) where the struct is a Uint8Array the kernel reads and may write.
Napi::Value IoctlBuffer(const Napi::CallbackInfo& info) {
  int64_t fd, request;
  if (!ToInt(info[0], &fd) || !ToInt(info[1], &request) || !info[2].IsTypedArray()) return Bad(info.Env());
  Napi::Uint8Array buf = info[2].As<Napi::Uint8Array>();
  return Result(info.Env(), ioctl(static_cast<int>(fd), static_cast<unsigned long>(request), buf.Data()));
}

// setCloexec(fd): KVM makes guest_memfd descriptors without close-on-exec; a child that inherits
// one keeps the file, and with it the VM and its memory, alive.
Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ToInt(info[0], &fd)) return Bad(info.Env());
  int flags = fcntl(static_cast<int>(fd), F_GETFD);
  if (flags < 0) return Napi::Number::New(info.Env(), -errno);
  return Result(info.Env(), fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC));
}

Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) return Bad(info.Env());
  std::string name = info[0].As<Napi::String>().Utf8Value();
  return Result(info.Env(), syscall(SYS_memfd_create, name.c_str(), MFD_CLOEXEC));
}

// mmap(length, prot, flags, fd, offset) -> address (BigInt) | -errno (Number).
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  uint64_t length, offset;
  int64_t prot, flags, fd;
  if (!ToU64(info[0], &length) || !ToInt(info[1], &prot) || !ToInt(info[2], &flags) || !ToInt(info[3], &fd) ||
      !ToU64(info[4], &offset)) {
    return Bad(info.Env());
  }
  void* p = mmap(nullptr, length, static_cast<int>(prot), static_cast<int>(flags), static_cast<int>(fd), static_cast<off_t>(offset));
  if (p == MAP_FAILED) return Napi::Number::New(info.Env(), -errno);
  return U64(info.Env(), reinterpret_cast<uintptr_t>(p));
}

Napi::Value Munmap(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length)) return Bad(info.Env());
  return Result(info.Env(), munmap(reinterpret_cast<void*>(addr), length));
}

Napi::Value Mprotect(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  int64_t prot;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToInt(info[2], &prot)) return Bad(info.Env());
  return Result(info.Env(), mprotect(reinterpret_cast<void*>(addr), length, static_cast<int>(prot)));
}

Napi::Value Fallocate(const Napi::CallbackInfo& info) {
  int64_t fd, mode;
  uint64_t offset, len;
  if (!ToInt(info[0], &fd) || !ToInt(info[1], &mode) || !ToU64(info[2], &offset) || !ToU64(info[3], &len)) {
    return Bad(info.Env());
  }
  // The raw syscall: glibc's wrapper would be the same, but this makes the 64-bit words explicit.
  return Result(info.Env(), syscall(SYS_fallocate, static_cast<int>(fd), static_cast<int>(mode), offset, len));
}

Napi::Value Fstat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ToInt(info[0], &fd)) return Bad(env);
  struct stat st;
  if (fstat(static_cast<int>(fd), &st) < 0) return Napi::Number::New(env, -errno);
  Napi::Object o = Napi::Object::New(env);
  o.Set("size", U64(env, static_cast<uint64_t>(st.st_size)));
  o.Set("blksize", Napi::Number::New(env, static_cast<double>(st.st_blksize)));
  o.Set("blocks", U64(env, static_cast<uint64_t>(st.st_blocks)));
  o.Set("mode", Napi::Number::New(env, st.st_mode));
  o.Set("nlink", Napi::Number::New(env, static_cast<double>(st.st_nlink)));
  o.Set("ino", U64(env, static_cast<uint64_t>(st.st_ino)));
  o.Set("uid", Napi::Number::New(env, st.st_uid));
  o.Set("gid", Napi::Number::New(env, st.st_gid));
  return o;
}

// read/pread into a fresh buffer: -> Uint8Array | -errno.
Napi::Value ReadInto(const Napi::CallbackInfo& info, bool positional) {
  Napi::Env env = info.Env();
  int64_t fd;
  uint64_t length, position = 0;
  if (!ToInt(info[0], &fd) || !ToU64(info[1], &length) || (positional && !ToU64(info[2], &position))) return Bad(env);
  // The kernel moves at most MAX_RW_COUNT bytes per call; asking for more is a short read anyway.
  constexpr uint64_t kMaxRwCount = 0x7ffff000;
  if (length > kMaxRwCount) length = kMaxRwCount;
  Napi::Uint8Array out = Napi::Uint8Array::New(env, length);
  ssize_t n = positional ? pread(static_cast<int>(fd), out.Data(), length, static_cast<off_t>(position))
                         : read(static_cast<int>(fd), out.Data(), length);
  if (n < 0) return Napi::Number::New(env, -errno);
  return Napi::Uint8Array::New(env, n, out.ArrayBuffer(), 0);
}
Napi::Value Read(const Napi::CallbackInfo& info) { return ReadInto(info, false); }
Napi::Value Pread(const Napi::CallbackInfo& info) { return ReadInto(info, true); }

Napi::Value WriteFrom(const Napi::CallbackInfo& info, bool positional) {
  int64_t fd;
  uint64_t position = 0;
  if (!ToInt(info[0], &fd) || !info[1].IsTypedArray() || (positional && !ToU64(info[2], &position))) return Bad(info.Env());
  Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
  ssize_t n = positional ? pwrite(static_cast<int>(fd), buf.Data(), buf.ByteLength(), static_cast<off_t>(position))
                         : write(static_cast<int>(fd), buf.Data(), buf.ByteLength());
  return Result(info.Env(), n);
}
Napi::Value Write(const Napi::CallbackInfo& info) { return WriteFrom(info, false); }
Napi::Value Pwrite(const Napi::CallbackInfo& info) { return WriteFrom(info, true); }

// lseek(fd, offset, whence) -> new offset (BigInt) | -errno.
Napi::Value Lseek(const Napi::CallbackInfo& info) {
  int64_t fd, whence;
  uint64_t offset;
  if (!ToInt(info[0], &fd) || !ToU64(info[1], &offset) || !ToInt(info[2], &whence)) return Bad(info.Env());
  off_t r = lseek(static_cast<int>(fd), static_cast<off_t>(offset), static_cast<int>(whence));
  if (r < 0) return Napi::Number::New(info.Env(), -errno);
  return U64(info.Env(), static_cast<uint64_t>(r));
}

Napi::Value Ftruncate(const Napi::CallbackInfo& info) {
  int64_t fd;
  uint64_t length;
  if (!ToInt(info[0], &fd) || !ToU64(info[1], &length)) return Bad(info.Env());
  return Result(info.Env(), ftruncate(static_cast<int>(fd), static_cast<off_t>(length)));
}

Napi::Value Fsync(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ToInt(info[0], &fd)) return Bad(info.Env());
  return Result(info.Env(), fsync(static_cast<int>(fd)));
}

Napi::Value Fchmod(const Napi::CallbackInfo& info) {
  int64_t fd, mode;
  if (!ToInt(info[0], &fd) || !ToInt(info[1], &mode)) return Bad(info.Env());
  return Result(info.Env(), fchmod(static_cast<int>(fd), static_cast<mode_t>(mode)));
}

// ---- guarded access to a mapping ------------------------------------------------------------

// guardedRead(address, dest) -> bytes copied into dest before a SIGBUS (dest.length when none).
Napi::Value GuardedRead(const Napi::CallbackInfo& info) {
  uint64_t addr;
  if (!ToU64(info[0], &addr) || !info[1].IsTypedArray()) return Bad(info.Env());
  Napi::Uint8Array dest = info[1].As<Napi::Uint8Array>();
  uint64_t done = GuardedCopy(CopyKind::kRead, reinterpret_cast<uint8_t*>(addr), dest.Data(), dest.ByteLength(), 0);
  return Napi::Number::New(info.Env(), static_cast<double>(done));
}

// guardedWrite(address, src) -> bytes stored before a SIGBUS.
Napi::Value GuardedWrite(const Napi::CallbackInfo& info) {
  uint64_t addr;
  if (!ToU64(info[0], &addr) || !info[1].IsTypedArray()) return Bad(info.Env());
  Napi::Uint8Array src = info[1].As<Napi::Uint8Array>();
  uint64_t done = GuardedCopy(CopyKind::kWrite, reinterpret_cast<uint8_t*>(addr), src.Data(), src.ByteLength(), 0);
  return Napi::Number::New(info.Env(), static_cast<double>(done));
}

// guardedFill(address, length, byte) -> bytes set before a SIGBUS.
Napi::Value GuardedFill(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  int64_t byte;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToInt(info[2], &byte)) return Bad(info.Env());
  uint64_t done = GuardedCopy(CopyKind::kFill, reinterpret_cast<uint8_t*>(addr), nullptr, length, static_cast<int>(byte & 0xff));
  return Napi::Number::New(info.Env(), static_cast<double>(done));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!InstallGuard()) {
    Napi::Error::New(env, "cannot install the SIGBUS guard").ThrowAsJavaScriptException();
    return exports;
  }
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("ioctlValue", Napi::Function::New(env, IoctlValue));
  exports.Set("ioctlBuffer", Napi::Function::New(env, IoctlBuffer));
  {
    napi_value fn;
    napi_create_function(env, "ioctlInt", NAPI_AUTO_LENGTH, IoctlInt, nullptr, &fn);
    exports.Set("ioctlInt", Napi::Value(env, fn));
  }
  exports.Set("memfdCreate", Napi::Function::New(env, MemfdCreate));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec));
  exports.Set("badArguments", Napi::Number::New(env, kBadArguments));
  exports.Set("mmap", Napi::Function::New(env, Mmap));
  exports.Set("munmap", Napi::Function::New(env, Munmap));
  exports.Set("mprotect", Napi::Function::New(env, Mprotect));
  exports.Set("fallocate", Napi::Function::New(env, Fallocate));
  exports.Set("fstat", Napi::Function::New(env, Fstat));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("pread", Napi::Function::New(env, Pread));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("pwrite", Napi::Function::New(env, Pwrite));
  exports.Set("lseek", Napi::Function::New(env, Lseek));
  exports.Set("ftruncate", Napi::Function::New(env, Ftruncate));
  exports.Set("fsync", Napi::Function::New(env, Fsync));
  exports.Set("fchmod", Napi::Function::New(env, Fchmod));
  exports.Set("runVcpu", Napi::Function::New(env, RunVcpu));
  exports.Set("setupCpuid", Napi::Function::New(env, SetupCpuid));
  exports.Set("guardedRead", Napi::Function::New(env, GuardedRead));
  exports.Set("guardedWrite", Napi::Function::New(env, GuardedWrite));
  exports.Set("guardedFill", Napi::Function::New(env, GuardedFill));
  exports.Set("structLayouts", StructLayouts(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(gmem_native, Init)
