// Argument conversion for the addon's exports. The TypeScript layer validates everything first,
// but the addon is callable directly (it is a loadable module), so every export checks its own
// arguments too: a value that does not fit the C type exactly is refused (kBadArguments), never
// truncated, wrapped or reinterpreted.
#pragma once
#include <napi.h>
#include <stdint.h>

#include <cmath>
#include <string>

namespace gmem {

// Arguments the addon cannot use: a bug in the caller, never a kernel answer, so it gets a value
// no errno has (the TypeScript side turns it into a TypeError; src/kernel/sys.ts pins the number).
constexpr int kBadArguments = -0x10000;

// u64 arguments arrive as BigInt (or a safe-integer Number).
inline bool ToU64(const Napi::Value& v, uint64_t* out) {
  if (v.IsBigInt()) {
    bool lossless = false;
    *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    return lossless;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 9007199254740991.0) || d != std::trunc(d)) return false;
    *out = static_cast<uint64_t>(d);
    return true;
  }
  return false;
}

// An integer-valued Number within [lo, hi] (no silent truncation: 1.5, NaN or 2**32 + 3 is not 3).
inline bool ToIntIn(const Napi::Value& v, double lo, double hi, int64_t* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != std::trunc(d)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

inline bool ToI32(const Napi::Value& v, int* out) {
  int64_t x;
  if (!ToIntIn(v, -2147483648.0, 2147483647.0, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

// A descriptor: an int the kernel could have handed out (0 to INT32_MAX).
inline bool ToFd(const Napi::Value& v, int* out) {
  int64_t x;
  if (!ToIntIn(v, 0, 2147483647.0, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

// An ioctl request word: the kernel takes an unsigned int, written either as its unsigned value or
// as the same 32 bits read as a negative int32 (how JavaScript's bitwise operators leave it).
inline bool ToRequest(const Napi::Value& v, uint32_t* out) {
  int64_t x;
  if (!ToIntIn(v, -2147483648.0, 4294967295.0, &x)) return false;
  *out = static_cast<uint32_t>(x);
  return true;
}

// A string for a C API: refused when it holds a NUL, which would silently cut it short.
inline bool ToCString(const Napi::Value& v, std::string* out) {
  if (!v.IsString()) return false;
  *out = v.As<Napi::String>().Utf8Value();
  return out->find('\0') == std::string::npos;
}

// The bytes of a Uint8Array (a Buffer is one). Other typed arrays and DataViews are refused: the
// caller's idea of the length must be a byte count.
struct Bytes {
  uint8_t* data;
  size_t length;
};
inline bool ToBytes(napi_env env, napi_value v, Bytes* out) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array) return false;
  // A zero-length array may have no backing store at all; keep the pointer meaningful.
  out->data = static_cast<uint8_t*>(data);
  out->length = length;
  return length == 0 || data != nullptr;
}

// start + length without wrapping past the top of the address space.
inline bool RangeEnd(uint64_t start, uint64_t length, uint64_t* end) { return !__builtin_add_overflow(start, length, end); }

}  // namespace gmem
