/**
 * The native addon and the kernel backend's own guarantees: struct sizes agree with the uAPI
 * tables, a SIGBUS inside a guarded copy is an error and the process lives on, a SIGBUS anywhere
 * else still kills, closed handles never reach the kernel, and a failed build leaves a reason.
 */
import assert from 'node:assert/strict';
import { GUP_TEST_IOCTLS, GUP_TEST_PATH, pin_longterm_test } from '../../src/uapi/gupTest.js';
import { UnsupportedError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../src/kernel/native.js';
import {
  STRUCT_SIZES,
  kvm_create_guest_memfd,
  kvm_memory_attributes,
  kvm_pre_fault_memory,
  kvm_run,
  kvm_userspace_memory_region,
  kvm_userspace_memory_region2,
  layoutSize,
  type StructLayout,
} from '../../src/uapi/structs.js';
import { PROPOSED_IOCTLS, PROPOSED_STRUCT_SIZES, kvm_gmem_convert, kvm_memory_attributes2 } from '../../src/uapi/proposals.js';
import { KVM_IOCTLS } from '../../src/uapi/ioctl.js';
import { BAD_ARGUMENTS } from '../../src/kernel/sys.js';
import { GUEST_MEMFD_FLAG_MMAP, MADV_ADVICE } from '../../src/uapi/flags.js';
import { GET_MEMPOLICY_MASK_BYTES, MPOL_F_ADDR, MPOL_F_NODE, NODEMASK_MAX_BITS } from '../../src/uapi/mempolicy.js';
import { PAGE_SIZE } from '../../src/uapi/memory.js';
import { KernelKvm } from '../../src/kernel/kvm.js';
import type { NativeAddon } from '../../src/kernel/native.js';
import { KvmHandle } from '../../src/handles/kvm.js';
import { kernelCase } from '../backends.js';
import { expectCode } from '../helpers.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const native = loadNative();
const kernel = kernelCase();

describe('native addon', { skip: native.ok ? false : `native addon unavailable: ${native.ok ? '' : native.reason}` }, () => {
  it('the C compiler lays every uAPI struct out exactly as the TypeScript layouts say', () => {
    assert.ok(native.ok);
    const layouts: Record<string, StructLayout> = {
      kvm_create_guest_memfd,
      kvm_userspace_memory_region,
      kvm_userspace_memory_region2,
      kvm_memory_attributes,
      kvm_pre_fault_memory,
      kvm_memory_attributes2,
      kvm_gmem_convert,
      pin_longterm_test,
    };
    // pin_longterm_test: mm/gup_test.h's u64 addr, u64 size, u32 flags, padded to 8.
    const sizes: Record<string, number> = { ...STRUCT_SIZES, ...PROPOSED_STRUCT_SIZES, pin_longterm_test: 24 };
    assert.deepEqual(Object.keys(native.addon.structLayouts).sort(), Object.keys(layouts).sort());
    for (const [name, layout] of Object.entries(layouts)) {
      const c: { size: number; fields: Record<string, number> } = native.addon.structLayouts[name]!;
      assert.equal(c.size, sizes[name], `${name} size`);
      assert.equal(layoutSize(layout), c.size, `${name}: the TypeScript layout spans the C size`);
      assert.deepEqual(c.fields, Object.fromEntries(Object.entries(layout).map(([f, l]) => [f, l.offset])), `${name} field offsets`);
    }
  });

  it('the numbers the C++ side uses on its own agree with the TypeScript uAPI tables', () => {
    assert.ok(native.ok);
    const c = native.addon.constants;
    assert.equal(c.KVM_RUN, KVM_IOCTLS.byName.KVM_RUN);
    assert.equal(c.KVM_GET_SUPPORTED_CPUID, KVM_IOCTLS.byName.KVM_GET_SUPPORTED_CPUID);
    assert.equal(c.KVM_SET_CPUID2, KVM_IOCTLS.byName.KVM_SET_CPUID2);
    assert.equal(c.immediateExitOffset, kvm_run.immediate_exit.offset);
    assert.equal(c.badArguments, BAD_ARGUMENTS);
    assert.equal(native.addon.badArguments, BAD_ARGUMENTS);
    // The timer's signal: a real-time one (never a standard signal Node or libuv handle), and the
    // notification that targets one thread is the kernel's SIGEV_THREAD_ID.
    assert.ok(c.kickSignal >= c.SIGRTMIN && c.kickSignal <= c.SIGRTMAX, `kick signal ${c.kickSignal} is real-time`);
    assert.equal(c.kickSignal, c.SIGRTMAX - 1);
    assert.equal(c.SIGEV_THREAD_ID, 4);
    // mappings.cc: the madvise allowlist, get_mempolicy's flags and mask, mbind's mask limit.
    assert.deepEqual([...c.madviseAdvice].sort((a, b) => a - b), MADV_ADVICE.entries().map(([, n]) => n).sort((a, b) => a - b));
    assert.equal(c.MPOL_F_NODE, MPOL_F_NODE);
    assert.equal(c.MPOL_F_ADDR, MPOL_F_ADDR);
    assert.equal(c.policyMaskBytes, GET_MEMPOLICY_MASK_BYTES);
    assert.equal(c.nodemaskMaxBits, NODEMASK_MAX_BITS);
    assert.equal(c.pageSize, PAGE_SIZE);
  });

  it('ioctlBuffer passes on exactly the struct ioctls the TypeScript layer issues, with the same numbers', () => {
    assert.ok(native.ok);
    const structIoctls = Object.fromEntries(
      [...KVM_IOCTLS.entries(), ...PROPOSED_IOCTLS.entries(), ...GUP_TEST_IOCTLS.entries()].filter(([name, n]) => n >>> 30 !== 0 && !name.includes('CPUID')),
    );
    assert.deepEqual(native.addon.bufferIoctls, structIoctls);
  });

  it('ioctlValue and ioctlInt pass on exactly the value-taking ioctls the TypeScript layer issues (KVM_RUN only through runVcpu)', () => {
    assert.ok(native.ok);
    const valueIoctls = Object.fromEntries([...KVM_IOCTLS.entries(), ...GUP_TEST_IOCTLS.entries()].filter(([name, n]) => n >>> 30 === 0 && name !== 'KVM_RUN'));
    assert.deepEqual(native.addon.valueIoctls, valueIoctls);
  });

  it('loaded by the main thread and a Worker, the guard is installed once: a stray SIGBUS still kills, never hangs', () => {
    const addon = JSON.stringify(root('build/gmem_native.node'));
    const script = `const { Worker } = require('node:worker_threads'); require(${addon});
      const w = new Worker('require(' + ${JSON.stringify(addon)} + '); setTimeout(() => {}, 3000)', { eval: true });
      w.on('online', () => setTimeout(() => process.kill(process.pid, 'SIGBUS'), 100));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.error, undefined, 'the process neither hung nor failed to start');
    assert.equal(r.signal, 'SIGBUS');
  });

  it('a SIGBUS outside a guarded copy still kills the process (the guard chains to the default)', () => {
    const script = `require(${JSON.stringify(root('build/gmem_native.node'))}); process.kill(process.pid, 'SIGBUS'); setTimeout(() => console.log('survived'), 200);`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGBUS');
    assert.equal(r.stdout, '');
  });
});

describe('kernel backend guarantees', { skip: kernel.skip }, () => {
  it('touching a file made with MMAP but not INIT_SHARED is a SIGBUS error, 10,000 times over, and the process lives on', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: 2 * 4096, flags: GUEST_MEMFD_FLAG_MMAP });
    using map = file.mmap();
    for (let i = 0; i < 10_000; i++) {
      const err = expectCode(() => (i % 2 ? map.write(4096 + (i % 4096), new Uint8Array(1)) : map.read(i % 8192, 1)), 'SIGBUS');
      assert.equal(err.fileOffset, i % 2 ? 4096n : BigInt(Math.floor((i % 8192) / 4096) * 4096));
    }
  });

  it('KVM_GET_SUPPORTED_CPUID is asked once per /dev/kvm descriptor, whatever number of vCPUs and VMs take it', () => {
    assert.ok(native.ok);
    let asked = 0;
    const counting: NativeAddon = { ...native.addon, supportedCpuid: (fd) => (asked++, native.addon.supportedCpuid(fd)) };
    for (const expected of [1, 2]) {
      using kvm = new KvmHandle(KernelKvm.open('/dev/kvm', { native: counting }), false);
      for (let v = 0; v < 2; v++) {
        using vm = kvm.createVm(0);
        for (let id = 0; id < 2; id++) {
          using vcpu = vm.createVcpu(id);
          vcpu.setupCpuid();
        }
        // The guest program's own vCPU takes the same answer.
        vm.guest.read(0x100000, 1);
      }
      assert.equal(asked, expected, 'one question per descriptor');
    }
  });

  it('setCpuid passes on only a whole kvm_cpuid2: its header and exactly the entries nent counts', () => {
    assert.ok(native.ok);
    const addon = native.addon;
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    using vcpu = vm.createVcpu(0);
    const cpuid = addon.supportedCpuid(kvm.fd);
    assert.ok(cpuid instanceof Uint8Array && cpuid.length > 8 && (cpuid.length - 8) % 40 === 0, `kvm_cpuid2 of ${String(cpuid instanceof Uint8Array ? cpuid.length : cpuid)} bytes`);
    const nent = new DataView(cpuid.buffer, cpuid.byteOffset).getUint32(0, true);
    assert.equal(cpuid.length, 8 + 40 * nent);
    const withNent = (n: number, length: number) => {
      const b = new Uint8Array(length);
      b.set(cpuid.subarray(0, Math.min(length, cpuid.length)));
      new DataView(b.buffer).setUint32(0, n, true);
      return b;
    };
    for (const bad of [cpuid.subarray(0, cpuid.length - 1), withNent(nent + 1, cpuid.length), withNent(nent - 1, cpuid.length), withNent(257, 8 + 40 * 257), new Uint8Array(4)]) {
      assert.equal(addon.setCpuid(vcpu.fd, bad), BAD_ARGUMENTS, `a kvm_cpuid2 of ${bad.length} bytes`);
    }
    assert.equal(addon.setCpuid(vcpu.fd, cpuid), 0);
  });

  it('guest_memfd descriptors are close-on-exec (KVM leaves that off): children do not inherit them', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: 4096 });
    for (const fd of [kvm.fd, vm.fd, file.fd]) {
      const flags = /^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      assert.ok(flags && (parseInt(flags, 8) & 0o2000000) !== 0, `descriptor ${fd} has O_CLOEXEC (flags ${flags})`);
    }
  });

  it('a closed handle answers EBADF without a syscall, even when its number was reused', () => {
    using kvm = kernel.open();
    const vm = kvm.createVm(0);
    const file = vm.createGuestMemfd({ size: 4096 });
    const oldFd = file.fd;
    file.close();
    file.close();
    const reuse = vm.createGuestMemfd({ size: 8192 });
    // POSIX hands out the lowest free number: the new file takes the closed one's.
    assert.equal(reuse.fd, oldFd, 'the descriptor number was reused');
    expectCode(() => file.stat(), 'EBADF');
    expectCode(() => file.punchHole(0, 4096), 'EBADF');
    assert.equal(reuse.stat().size, 8192n, 'the new file was not touched');
    reuse.close();
    vm.close();
    expectCode(() => vm.createGuestMemfd({ size: 4096 }), 'EBADF');
    kvm.close();
    expectCode(() => kvm.checkExtension('KVM_CAP_GUEST_MEMFD'), 'EBADF');
  });

  it('without the in-place capability a file has no conversion part; pins exactly where gup_test exists', (t) => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    if (kvm.features().conversion !== undefined) return t.skip('this kernel has the in-place conversion series (its capability or kvm.gmem_in_place_conversion)');
    using file = vm.createGuestMemfd({ size: 4096, flags: 3n });
    // The proposed ioctl numbers are never issued on a kernel without the series.
    assert.equal(file.conversion, undefined);
    assert.equal(file.seals, undefined);
    assert.equal(kvm.features().pins, existsSync(GUP_TEST_PATH)); // Root here: present means usable.
    if (kvm.features().pins) {
      const pin = file.pins!.pin(0, 4096);
      pin.release();
      assert.equal(pin.released, true);
    } else {
      assert.throws(() => file.pins!.pin(0, 4096), (err: unknown) => err instanceof UnsupportedError && /CONFIG_GUP_TEST/.test(err.message));
    }
  });

  it('after unmap every access is EBADF and unmap is idempotent', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: 4096, flags: 3n });
    const map = file.mmap();
    map.fill(0, 4096, 1);
    map.unmap();
    map.unmap();
    expectCode(() => map.read(0, 1), 'EBADF');
    expectCode(() => map.write(0, new Uint8Array(1)), 'EBADF');
    expectCode(() => map.mprotect(1), 'EBADF');
    expectCode(() => map.madvise('MADV_NORMAL'), 'EBADF');
  });

  it('madvise reaches the kernel only for a whole mapping of ours and advice that keeps contents', () => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    using file = vm.createGuestMemfd({ size: 8192, flags: 3n });
    using map = file.mmap();
    map.madvise('MADV_WILLNEED');
    assert.throws(() => map.madvise('MADV_DONTNEED'), RangeError, 'advice that drops contents is not offered');
    assert.throws(() => map.madvise(4), RangeError);
    assert.ok(native.ok);
    const addon = native.addon;
    // The addon checks again: part of a mapping, or advice outside the list, never reaches madvise(2).
    assert.equal(addon.madvise(map.address, 4096n, 0), BAD_ARGUMENTS);
    assert.equal(addon.madvise(map.address, 8192n, 4), BAD_ARGUMENTS);
    assert.equal(addon.madvise(map.address, 8192n, 0), 0);
  });
});

describe('native build', () => {
  it('a failed build does not fail the install and records why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gmem-build-'));
    try {
      const r = spawnSync(process.execPath, [root('scripts/build-native.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, GMEM_BUILD_DIR: dir, CXX: '/nonexistent/g++' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /native addon NOT built/);
      const status = JSON.parse(readFileSync(join(dir, 'native-status.json'), 'utf8')) as { ok: boolean; reason: string };
      assert.equal(status.ok, false);
      assert.match(status.reason, /nonexistent\/g\+\+ could not be run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('native addon with wrong argument types', { skip: native.ok ? false : 'native addon unavailable' }, () => {
  it('every function answers "bad arguments" (never a crash) when given the wrong types', () => {
    assert.ok(native.ok);
    const a = native.addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    // The first argument is always of a wrong type or value, so no call reaches a syscall.
    const garbage: unknown[][] = [[], [null], [{}, 'y', 'z'], [[], 1, 2], [() => 0, 1], [1.5, -1, NaN, Infinity], [NaN, 1, 1], [Infinity, 0], [Symbol('s')], [true, 1]];
    const functions = Object.entries(a).filter(([, fn]) => typeof fn === 'function');
    assert.ok(functions.length >= 15, `the addon exports ${functions.length} functions`);
    for (const [name, fn] of functions) {
      for (const args of garbage) {
        let result: unknown;
        assert.doesNotThrow(() => (result = fn(...args)), `${name}(${args.map(String).join(', ')})`);
        // Wrong types never reach a syscall: the answer is "bad arguments" or a negative errno.
        assert.ok(typeof result === 'number' && result < 0, `${name} with bad arguments returned ${String(result)}`);
      }
    }
  });
});
