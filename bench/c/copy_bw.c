/*
 * memset then memcpy out of a 64 MiB MMAP|INIT_SHARED guest_memfd mapping: prints MiB/s of
 * (write + read), the C counterpart of a guarded HostMapping write + read. Usage: copy_bw ROUNDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kvm_bench.h"

#define SIZE (64ul << 20)

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  struct gmem_create args = {SIZE, GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED, {0}};
  int gmem = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &args);
  if (kvm < 0 || vm < 0 || gmem < 0) { perror("setup"); return 1; }
  unsigned char *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0);
  unsigned char *src = malloc(SIZE), *dst = malloc(SIZE);
  if (map == MAP_FAILED || !src || !dst) { perror("mmap"); return 1; }
  memset(src, 0x5a, SIZE);
  memset(dst, 0, SIZE);
  memcpy(map, src, SIZE); /* Fault every page in first, as the TypeScript side does. */
  double best = 0;
  for (int r = 0; r < rounds; r++) {
    double t0 = now_seconds();
    memcpy(map, src, SIZE);
    memcpy(dst, map, SIZE);
    double dt = now_seconds() - t0;
    double mibs = 2.0 * (SIZE >> 20) / dt;
    printf("%.1f\n", mibs);
    if (mibs > best) best = mibs;
  }
  if (dst[SIZE - 1] != 0x5a) return 1;
  return 0;
}
