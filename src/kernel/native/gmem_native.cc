// The native half of the kernel backend: thin, syscall-shaped wrappers and a SIGBUS-guarded
// copy. Every call returns its result or a negative errno (never throws for a failed syscall),
// so the TypeScript side owns all policy: naming, error objects, messages. The addon still checks
// every argument itself (args.h, ioctls.h, mappings.h): called directly with anything at all, it
// answers kBadArguments or an errno, and never touches memory it did not map.
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "args.h"
#include "guard.h"
#include "ioctls.h"
#include "mappings.h"
#include "structs.h"

// glibc names the thread-id member of sigevent only through this field (no public macro before 2.35).
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace {

using gmem::kBadArguments;
using gmem::ToBytes;
using gmem::ToCString;
using gmem::ToFd;
using gmem::ToI32;
using gmem::ToRequest;
using gmem::ToU64;

Napi::Value Result(Napi::Env env, long r) { return Napi::Number::New(env, r < 0 ? -errno : r); }
Napi::Value Errno(Napi::Env env, long negative_errno) { return Napi::Number::New(env, negative_errno); }
Napi::Value Bad(Napi::Env env) { return Napi::Number::New(env, kBadArguments); }
Napi::Value U64(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

// ---- bounded KVM_RUN -----------------------------------------------------------------------

// A guest that never exits must not hang the caller. A per-run POSIX timer sends a signal to
// this thread; its handler sets kvm_run.immediate_exit, so KVM_RUN returns EINTR whether the
// signal lands during the run or just before it (the race immediate_exit exists to close).
__attribute__((tls_model("initial-exec"))) thread_local volatile uint8_t* g_immediate_exit = nullptr;

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
    ok = sigaction(gmem::KickSignal(), &sa, nullptr) == 0;
  });
  return ok;
}

// runVcpu(vcpuFd, runAddress, timeoutMs) -> 0 | 1 (timed out) | -errno. runAddress must be a
// writable mapping of ours (kvm_run): it stays leased, so mapped, for the whole run.
Napi::Value RunVcpu(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t run_addr;
  int64_t timeout_ms;
  if (!ToFd(info[0], &fd) || !ToU64(info[1], &run_addr) || !gmem::ToIntIn(info[2], 1, 3600000, &timeout_ms)) return Bad(info.Env());
  gmem::MappingLease lease(run_addr, gmem::kImmediateExitOffset + 1, gmem::Access::kWrite);
  if (!lease.ok()) return Bad(info.Env());
  if (!InstallKick()) return Errno(info.Env(), -ENOSYS);
  volatile uint8_t* immediate_exit = reinterpret_cast<volatile uint8_t*>(run_addr + gmem::kImmediateExitOffset);
  *immediate_exit = 0;
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_THREAD_ID;  // This thread, not any thread of the process.
  sev.sigev_signo = gmem::KickSignal();
  sev.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) return Errno(info.Env(), -errno);
  g_immediate_exit = immediate_exit;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = timeout_ms / 1000;
  its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
  timer_settime(timer, 0, &its, nullptr);
  int r = ioctl(fd, gmem::kKvmRun, 0);
  int err = errno;
  timer_delete(timer);
  g_immediate_exit = nullptr;
  bool kicked = *immediate_exit != 0;
  *immediate_exit = 0;
  if (r < 0 && err == EINTR && kicked) return Napi::Number::New(info.Env(), 1);
  return Errno(info.Env(), r < 0 ? -err : 0);
}

// The most CPUID leaves asked for: KVM supports well under this many (about 75 on x86 today).
constexpr uint32_t kMaxCpuidEntries = 256;

// supportedCpuid(kvmFd) -> Uint8Array | -errno: KVM_GET_SUPPORTED_CPUID, the kvm_cpuid2 header
// and its nent entries. What /dev/kvm supports is fixed while a descriptor holds the module, so
// the caller may ask once per descriptor and give the answer to every vCPU (setCpuid).
Napi::Value SupportedCpuid(const Napi::CallbackInfo& info) {
  int kvm_fd;
  if (!ToFd(info[0], &kvm_fd)) return Bad(info.Env());
  std::vector<uint8_t> buf(sizeof(kvm_cpuid2_s) + kMaxCpuidEntries * sizeof(kvm_cpuid_entry2_s), 0);
  memcpy(buf.data(), &kMaxCpuidEntries, sizeof kMaxCpuidEntries);
  if (ioctl(kvm_fd, gmem::kKvmGetSupportedCpuid, buf.data()) < 0) return Errno(info.Env(), -errno);
  uint32_t nent;
  memcpy(&nent, buf.data(), sizeof nent);
  size_t used = sizeof(kvm_cpuid2_s) + static_cast<size_t>(nent) * sizeof(kvm_cpuid_entry2_s);
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), used);
  memcpy(out.Data(), buf.data(), used);
  return out;
}

// setCpuid(vcpuFd, cpuid) -> 0 | -errno: KVM_SET_CPUID2 with a kvm_cpuid2 as supportedCpuid
// returns it. The kernel reads nent entries after the header (and writes nothing back, so one
// buffer serves every vCPU): the buffer must hold exactly those, at most kMaxCpuidEntries, or
// nothing is called.
Napi::Value SetCpuid(const Napi::CallbackInfo& info) {
  int vcpu_fd;
  gmem::Bytes buf;
  if (!ToFd(info[0], &vcpu_fd) || !ToBytes(info.Env(), info[1], &buf) || buf.length < sizeof(kvm_cpuid2_s)) return Bad(info.Env());
  uint32_t nent;
  memcpy(&nent, buf.data, sizeof nent);
  if (nent > kMaxCpuidEntries || buf.length != sizeof(kvm_cpuid2_s) + static_cast<size_t>(nent) * sizeof(kvm_cpuid_entry2_s)) return Bad(info.Env());
  return Result(info.Env(), ioctl(vcpu_fd, gmem::kKvmSetCpuid2, buf.data));
}

// ---- syscalls ------------------------------------------------------------------------------

// File offsets and sizes (pread, pwrite, lseek, ftruncate, mmap) go to the kernel as the 64 bits
// the caller gave: one above INT64_MAX is a negative off_t there, which the kernel answers with
// EINVAL, and the conformance suite checks exactly that answer.

// open(path, flags) -> fd | -errno. O_CLOEXEC always: a KVM fd leaking into a child is a bug
// (KVM's own VM and vCPU fds are close-on-exec; guest_memfd fds get it with setCloexec).
Napi::Value Open(const Napi::CallbackInfo& info) {
  std::string path;
  int flags;
  if (!ToCString(info[0], &path) || !ToI32(info[1], &flags)) return Bad(info.Env());
  return Result(info.Env(), open(path.c_str(), flags | O_CLOEXEC));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd;
  if (!ToFd(info[0], &fd)) return Bad(info.Env());
  return Result(info.Env(), close(fd));
}

// ioctl(fd, request, arg) with an integer argument: only the requests of kValueIoctls (ioctls.h).
Napi::Value IoctlValue(const Napi::CallbackInfo& info) {
  int fd;
  uint32_t request;
  uint64_t arg;
  if (!ToFd(info[0], &fd) || !ToRequest(info[1], &request) || !ToU64(info[2], &arg) || !gmem::ValueIoctlAllowed(request)) {
    return Bad(info.Env());
  }
  return Result(info.Env(), ioctl(fd, request, static_cast<unsigned long>(arg)));
}

// ioctlInt(fd, request, arg): the hot path (KVM_CHECK_EXTENSION and friends), written against the
// C API directly: three int32 reads and one result, without node-addon-api's per-call wrappers,
// because capability checks are what callers do in loops.
napi_value IoctlInt(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t result = kBadArguments;
  // Integers in range only: napi_get_value_int32 alone would turn 1.5 into 1, NaN into 0 and
  // 2**32 + 3 into 3.
  auto integer = [env](napi_value v, double lo, double hi, int64_t* out) {
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= lo && d <= hi) || d != std::trunc(d)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  };
  int64_t fd = 0, request = 0, arg = 0;
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) == napi_ok && argc == 3 && integer(argv[0], 0, 2147483647.0, &fd) &&
      integer(argv[1], -2147483648.0, 4294967295.0, &request) && integer(argv[2], -2147483648.0, 4294967295.0, &arg) &&
      gmem::ValueIoctlAllowed(static_cast<uint32_t>(request))) {
    // ioctl returns an int, so the result always fits an int32 (a V8 small integer).
    int r = ioctl(static_cast<int>(fd), static_cast<uint32_t>(request), static_cast<unsigned long>(static_cast<uint32_t>(arg)));
    result = r < 0 ? -errno : r;
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

// ioctl(fd, request, struct) where the struct is a Uint8Array the kernel reads and may write:
// only requests of the table in ioctls.h, with a buffer of exactly the size the request encodes.
Napi::Value IoctlBuffer(const Napi::CallbackInfo& info) {
  int fd;
  uint32_t request;
  gmem::Bytes buf;
  if (!ToFd(info[0], &fd) || !ToRequest(info[1], &request) || !ToBytes(info.Env(), info[2], &buf) ||
      !gmem::BufferIoctlAllowed(request, buf.length)) {
    return Bad(info.Env());
  }
  return Result(info.Env(), ioctl(fd, request, buf.data));
}

// setCloexec(fd): KVM makes guest_memfd descriptors without close-on-exec; a child that inherits
// one keeps the file, and with it the VM and its memory, alive.
Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int fd;
  if (!ToFd(info[0], &fd)) return Bad(info.Env());
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return Errno(info.Env(), -errno);
  return Result(info.Env(), fcntl(fd, F_SETFD, flags | FD_CLOEXEC));
}

Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  std::string name;
  if (!ToCString(info[0], &name)) return Bad(info.Env());
  return Result(info.Env(), syscall(SYS_memfd_create, name.c_str(), MFD_CLOEXEC));
}

// mmap(length, prot, flags, fd, offset) -> address (BigInt) | -errno (Number). The kernel always
// chooses the address (MAP_FIXED and MAP_FIXED_NOREPLACE would let a caller map over memory that
// is not ours), and the new mapping is registered for guarded copies, munmap and mprotect.
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  uint64_t length, offset;
  int prot, flags, fd;
  if (!ToU64(info[0], &length) || !ToI32(info[1], &prot) || !ToI32(info[2], &flags) || !ToI32(info[3], &fd) || fd < -1 ||
      !ToU64(info[4], &offset) || (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
    return Bad(info.Env());
  }
  void* p = mmap(nullptr, length, prot, flags, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) return Errno(info.Env(), -errno);
  gmem::RegisterMapping(reinterpret_cast<uintptr_t>(p), length, prot);
  return U64(info.Env(), reinterpret_cast<uintptr_t>(p));
}

// munmap / mprotect: exactly a whole mapping this addon made (anything else is kBadArguments),
// once no copy is in flight in it.
Napi::Value Munmap(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length)) return Bad(info.Env());
  return Errno(info.Env(), gmem::UnmapRegistered(addr, length));
}

Napi::Value Mprotect(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  int prot;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToI32(info[2], &prot)) return Bad(info.Env());
  return Errno(info.Env(), gmem::ProtectRegistered(addr, length, prot));
}

Napi::Value Madvise(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  int advice;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToI32(info[2], &advice)) return Bad(info.Env());
  return Errno(info.Env(), gmem::AdviseRegistered(addr, length, advice));
}

// mbind(address, length, mode, mask: Uint8Array | null, maxnode, flags) -> 0 | -errno, inside one
// mapping of ours (mappings.cc checks the range and that the mask holds what the kernel reads).
Napi::Value Mbind(const Napi::CallbackInfo& info) {
  uint64_t addr, length, mode, maxnode;
  int64_t flags;
  gmem::Bytes mask{nullptr, 0};
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToU64(info[2], &mode) ||
      !(info[3].IsNull() || ToBytes(info.Env(), info[3], &mask)) || !ToU64(info[4], &maxnode) ||
      !gmem::ToIntIn(info[5], 0, 4294967295.0, &flags)) {
    return Bad(info.Env());
  }
  return Errno(info.Env(), gmem::PolicyRegistered(addr, length, mode, mask.data, mask.length, maxnode, static_cast<uint32_t>(flags)));
}

// getMempolicy(address, flags) -> { mode, mask: Uint8Array } | -errno: MPOL_F_ADDR (the policy at
// an address of ours) or MPOL_F_ADDR | MPOL_F_NODE (mode is then the node of the page there).
Napi::Value GetMempolicy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t addr;
  int flags;
  if (!ToU64(info[0], &addr) || !ToI32(info[1], &flags)) return Bad(env);
  Napi::Uint8Array mask = Napi::Uint8Array::New(env, gmem::kPolicyMaskBytes);
  int mode = 0;
  long r = gmem::GetPolicyRegistered(addr, flags, &mode, mask.Data(), mask.ByteLength());
  if (r != 0) return Errno(env, r);
  Napi::Object out = Napi::Object::New(env);
  out.Set("mode", Napi::Number::New(env, mode));
  out.Set("mask", mask);
  return out;
}

Napi::Value Fallocate(const Napi::CallbackInfo& info) {
  int fd, mode;
  uint64_t offset, len;
  if (!ToFd(info[0], &fd) || !ToI32(info[1], &mode) || !ToU64(info[2], &offset) || !ToU64(info[3], &len)) return Bad(info.Env());
  // The raw syscall: glibc's wrapper would be the same, but this makes the 64-bit words explicit.
  return Result(info.Env(), syscall(SYS_fallocate, fd, mode, offset, len));
}

Napi::Value Fstat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ToFd(info[0], &fd)) return Bad(env);
  struct stat st;
  if (fstat(fd, &st) < 0) return Errno(env, -errno);
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

// The largest read one call makes: the kernel moves at most MAX_RW_COUNT bytes per call anyway,
// and a caller asking for more than this gets a short read rather than a 2 GiB allocation.
constexpr uint64_t kMaxReadBytes = 64ull << 20;

// read/pread into a fresh buffer: -> Uint8Array | -errno.
Napi::Value ReadInto(const Napi::CallbackInfo& info, bool positional) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t length, position = 0;
  if (!ToFd(info[0], &fd) || !ToU64(info[1], &length) || (positional && !ToU64(info[2], &position))) return Bad(env);
  if (length > kMaxReadBytes) length = kMaxReadBytes;
  Napi::Uint8Array out = Napi::Uint8Array::New(env, length);
  if (env.IsExceptionPending() || (length > 0 && out.Data() == nullptr)) return Errno(env, -ENOMEM);
  ssize_t n = positional ? pread(fd, out.Data(), length, static_cast<off_t>(position)) : read(fd, out.Data(), length);
  if (n < 0) return Errno(env, -errno);
  return Napi::Uint8Array::New(env, n, out.ArrayBuffer(), 0);
}
Napi::Value Read(const Napi::CallbackInfo& info) { return ReadInto(info, false); }
Napi::Value Pread(const Napi::CallbackInfo& info) { return ReadInto(info, true); }

Napi::Value WriteFrom(const Napi::CallbackInfo& info, bool positional) {
  int fd;
  uint64_t position = 0;
  gmem::Bytes buf;
  if (!ToFd(info[0], &fd) || !ToBytes(info.Env(), info[1], &buf) || (positional && !ToU64(info[2], &position))) return Bad(info.Env());
  ssize_t n = positional ? pwrite(fd, buf.data, buf.length, static_cast<off_t>(position)) : write(fd, buf.data, buf.length);
  return Result(info.Env(), n);
}
Napi::Value Write(const Napi::CallbackInfo& info) { return WriteFrom(info, false); }
Napi::Value Pwrite(const Napi::CallbackInfo& info) { return WriteFrom(info, true); }

// lseek(fd, offset, whence) -> new offset (BigInt) | -errno.
Napi::Value Lseek(const Napi::CallbackInfo& info) {
  int fd, whence;
  uint64_t offset;
  if (!ToFd(info[0], &fd) || !ToU64(info[1], &offset) || !ToI32(info[2], &whence)) return Bad(info.Env());
  off_t r = lseek(fd, static_cast<off_t>(offset), whence);
  if (r < 0) return Errno(info.Env(), -errno);
  return U64(info.Env(), static_cast<uint64_t>(r));
}

Napi::Value Ftruncate(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t length;
  if (!ToFd(info[0], &fd) || !ToU64(info[1], &length)) return Bad(info.Env());
  return Result(info.Env(), ftruncate(fd, static_cast<off_t>(length)));
}

Napi::Value Fsync(const Napi::CallbackInfo& info) {
  int fd;
  if (!ToFd(info[0], &fd)) return Bad(info.Env());
  return Result(info.Env(), fsync(fd));
}

Napi::Value Fchmod(const Napi::CallbackInfo& info) {
  int fd, mode;
  if (!ToFd(info[0], &fd) || !ToI32(info[1], &mode) || mode < 0) return Bad(info.Env());
  return Result(info.Env(), fchmod(fd, static_cast<mode_t>(mode)));
}

// ---- guarded access to a mapping ------------------------------------------------------------

// A guarded copy over [address, address + length) of a mapping of ours, leased for the copy.
// -> bytes done before a SIGBUS (length when none) | kBadArguments for a range that is not wholly
// inside one live mapping of ours with the protection the copy needs.
Napi::Value Guarded(Napi::Env env, gmem::CopyKind kind, uint64_t address, uint8_t* buffer, uint64_t length, int fill) {
  gmem::MappingLease lease(address, length, kind == gmem::CopyKind::kRead ? gmem::Access::kRead : gmem::Access::kWrite);
  if (!lease.ok()) return Bad(env);
  int64_t done = gmem::GuardedCopy(kind, reinterpret_cast<uint8_t*>(address), buffer, length, fill);
  if (done < 0) return Errno(env, -ENOSYS);
  return Napi::Number::New(env, static_cast<double>(done));
}

// guardedRead(address, dest) -> bytes copied into dest before a SIGBUS (dest.length when none).
Napi::Value GuardedRead(const Napi::CallbackInfo& info) {
  uint64_t addr;
  gmem::Bytes dest;
  if (!ToU64(info[0], &addr) || !ToBytes(info.Env(), info[1], &dest)) return Bad(info.Env());
  return Guarded(info.Env(), gmem::CopyKind::kRead, addr, dest.data, dest.length, 0);
}

// guardedWrite(address, src) -> bytes stored before a SIGBUS.
Napi::Value GuardedWrite(const Napi::CallbackInfo& info) {
  uint64_t addr;
  gmem::Bytes src;
  if (!ToU64(info[0], &addr) || !ToBytes(info.Env(), info[1], &src)) return Bad(info.Env());
  return Guarded(info.Env(), gmem::CopyKind::kWrite, addr, src.data, src.length, 0);
}

// guardedFill(address, length, byte) -> bytes set before a SIGBUS.
Napi::Value GuardedFill(const Napi::CallbackInfo& info) {
  uint64_t addr, length;
  int byte;
  if (!ToU64(info[0], &addr) || !ToU64(info[1], &length) || !ToI32(info[2], &byte) || byte < 0 || byte > 255) return Bad(info.Env());
  return Guarded(info.Env(), gmem::CopyKind::kFill, addr, nullptr, length, byte);
}

// The numbers the C++ side uses on its own, for test/kernel/native to pin against src/uapi.
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("KVM_RUN", Napi::Number::New(env, gmem::kKvmRun));
  c.Set("KVM_GET_SUPPORTED_CPUID", Napi::Number::New(env, gmem::kKvmGetSupportedCpuid));
  c.Set("KVM_SET_CPUID2", Napi::Number::New(env, gmem::kKvmSetCpuid2));
  c.Set("immediateExitOffset", Napi::Number::New(env, static_cast<double>(gmem::kImmediateExitOffset)));
  c.Set("badArguments", Napi::Number::New(env, kBadArguments));
  c.Set("kickSignal", Napi::Number::New(env, gmem::KickSignal()));
  c.Set("SIGRTMIN", Napi::Number::New(env, SIGRTMIN));
  c.Set("SIGRTMAX", Napi::Number::New(env, SIGRTMAX));
  c.Set("SIGEV_THREAD_ID", Napi::Number::New(env, SIGEV_THREAD_ID));
  Napi::Array advice = Napi::Array::New(env);
  for (int a : gmem::kAllowedAdvice) advice.Set(advice.Length(), Napi::Number::New(env, a));
  c.Set("madviseAdvice", advice);
  c.Set("MPOL_F_NODE", Napi::Number::New(env, gmem::MPOL_F_NODE_BIT));
  c.Set("MPOL_F_ADDR", Napi::Number::New(env, gmem::MPOL_F_ADDR_BIT));
  c.Set("policyMaskBytes", Napi::Number::New(env, static_cast<double>(gmem::kPolicyMaskBytes)));
  c.Set("nodemaskMaxBits", Napi::Number::New(env, static_cast<double>(gmem::kNodemaskMaxBits)));
  c.Set("pageSize", Napi::Number::New(env, static_cast<double>(gmem::kPageSize)));
  return c;
}

template <size_t N>
Napi::Object IoctlTable(Napi::Env env, const gmem::BufferIoctl (&table)[N]) {
  Napi::Object out = Napi::Object::New(env);
  for (const gmem::BufferIoctl& known : table) out.Set(known.name, Napi::Number::New(env, known.request));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!gmem::InstallGuard()) {
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
  exports.Set("madvise", Napi::Function::New(env, Madvise));
  exports.Set("mbind", Napi::Function::New(env, Mbind));
  exports.Set("getMempolicy", Napi::Function::New(env, GetMempolicy));
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
  exports.Set("supportedCpuid", Napi::Function::New(env, SupportedCpuid));
  exports.Set("setCpuid", Napi::Function::New(env, SetCpuid));
  exports.Set("guardedRead", Napi::Function::New(env, GuardedRead));
  exports.Set("guardedWrite", Napi::Function::New(env, GuardedWrite));
  exports.Set("guardedFill", Napi::Function::New(env, GuardedFill));
  exports.Set("structLayouts", StructLayouts(env));
  exports.Set("constants", Constants(env));
  exports.Set("bufferIoctls", IoctlTable(env, gmem::kBufferIoctls));
  exports.Set("valueIoctls", IoctlTable(env, gmem::kValueIoctls));
  return exports;
}

}  // namespace

NODE_API_MODULE(gmem_native, Init)
