/* KVM_CHECK_EXTENSION in a tight loop: prints checks per second. Usage: caps_loop N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kvm_bench.h"

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) { perror("open /dev/kvm"); return 1; }
  long sum = 0;
  double t0 = now_seconds();
  for (long i = 0; i < n; i++) sum += ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD);
  double dt = now_seconds() - t0;
  if (sum != n) { fprintf(stderr, "unexpected answers\n"); return 1; }
  printf("%.0f\n", n / dt);
  return 0;
}
