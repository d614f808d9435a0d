// Bench-only probe: the C capability loop run inside the Node process, through one Node-API
// call. It separates what the process costs (a syscall from Node is slower than from a small C
// program) from what each JavaScript-to-native call costs.
#include <node_api.h>
#include <sys/ioctl.h>

static napi_value Loop(napi_env env, napi_callback_info cb) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1, n = 0;
  napi_get_cb_info(env, cb, &argc, argv, nullptr, nullptr);
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &n);
  long sum = 0;
  for (int i = 0; i < n; i++) sum += ioctl(fd, 0xAE03, 234);
  napi_value out;
  napi_create_int64(env, sum, &out);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "loop", NAPI_AUTO_LENGTH, Loop, nullptr, &fn);
  napi_set_named_property(env, exports, "loop", fn);
  return exports;
}

NAPI_MODULE(loop_addon, Init)
