/**
 * The checks that are loops rather than sequences (every flag bit, every size from 1 to
 * 4095), written as code. Each expands per VM type (and flag set) like the scenario matrices.
 */
import type { Kvm, Vm } from '../api.js';
import { isKvmError } from '../errors.js';
import type { Requires } from '../scenario/types.js';
import { flagsValue } from '../scenario/values.js';
import { KVM_MEM_GUEST_MEMFD, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from '../uapi/flags.js';
import type { VmTypeName } from '../uapi/vmTypes.js';

export interface CodeCheck {
  id: string;
  description: string;
  source: string;
  requires: Requires;
  /** A reason the check does not apply to this backend, beyond `requires`. */
  notApplicable?(kvm: Kvm): string | undefined;
  /** undefined when it passed, else what went wrong. */
  run(kvm: Kvm): string | undefined;
}

const VM_TYPES: VmTypeName[] = ['KVM_X86_DEFAULT_VM', 'KVM_X86_SW_PROTECTED_VM', 'KVM_X86_SNP_VM', 'KVM_X86_TDX_VM'];
const short = (t: VmTypeName) => t.replace(/^KVM_X86_/, '');
const FLAG_SETS: [string, string[]][] = [
  ['0', []],
  ['MMAP', ['GUEST_MEMFD_FLAG_MMAP']],
  ['MMAP|INIT_SHARED', ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED']],
];
const SELFTEST = 'upstream 6.18 tools/testing/selftests/kvm/guest_memfd_test.c';
const SET_MEMORY_REGION = 'upstream set_memory_region_test.c: test_invalid_memory_region_flags';

/**
 * The errno of `fn`, or 'ok'. The loops below ask for tens of thousands of refusals and read only
 * their codes: the stack each KvmError would capture was most of a catalog run's time, so none is
 * captured while `fn` runs. Anything but a KvmError is a bug: `fn` is asked once more with stacks
 * on, so that what is thrown on shows where it came from.
 */
function answer(fn: () => unknown): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return closeAndSayOk(fn());
  } catch (err) {
    if (isKvmError(err)) return err.code;
    Error.stackTraceLimit = limit;
    closeAndSayOk(fn()); // A bug that does not happen twice is still reported, without a stack.
    throw err;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function closeAndSayOk(r: unknown): 'ok' {
  (r as { close?: () => void } | undefined)?.close?.();
  return 'ok';
}

function withVm<T>(kvm: Kvm, type: VmTypeName, fn: (vm: Vm) => T): T {
  const vm = kvm.createVm(type);
  try {
    return fn(vm);
  } finally {
    vm.close();
  }
}

export function codeChecks(): CodeCheck[] {
  const checks: CodeCheck[] = [];
  for (const type of VM_TYPES) {
    checks.push({
      id: `selftest.flags[vmType=${short(type)}]`,
      description: 'Each flag bit 0..63 is accepted exactly when KVM_CAP_GUEST_MEMFD_FLAGS advertises it.',
      source: SELFTEST,
      requires: { vmType: type },
      // The check assumes every advertised flag is valid alone, as in 6.18 (INIT_SHARED without
      // MMAP is accepted); RFC v2's INIT_PRIVATE needs SUPPORT_SHARED.
      notApplicable: (kvm) => {
        const profile = kvm.features().profileData;
        return profile && profile.gmemFlags.initPrivate !== 0n
          ? `profile ${profile.name} has a flag that needs another (INIT_PRIVATE needs SUPPORT_SHARED): single bits do not apply`
          : undefined;
      },
      run: (kvm) =>
        withVm(kvm, type, (vm) => {
          const valid = BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'));
          for (let bit = 0n; bit < 64n; bit++) {
            const flag = 1n << bit;
            // 2 MiB rather than upstream's one page: the same for 6.18, and a whole huge page
            // where a profile has HUGETLB (whose files must be whole huge pages).
            const got = answer(() => vm.createGuestMemfd({ size: 2 * 1024 * 1024, flags: flag }));
            const want = flag & valid ? 'ok' : 'EINVAL';
            if (got !== want) return `flag bit ${bit}: expected ${want}, got ${got}`;
          }
          return undefined;
        }),
    });
    for (const [label, names] of FLAG_SETS) {
      checks.push({
        id: `selftest.invalid_sizes[vmType=${short(type)},flags=${label}]`,
        description: 'Every size from 1 to page-1 is EINVAL.',
        source: SELFTEST,
        requires: { vmType: type, gmemFlags: names },
        run: (kvm) =>
          withVm(kvm, type, (vm) => {
            const flags = flagsValue(names, 'flags');
            for (let size = 1; size < 4096; size++) {
              const got = answer(() => vm.createGuestMemfd({ size, flags }));
              if (got !== 'EINVAL') return `size ${size}: expected EINVAL, got ${got}`;
            }
            return undefined;
          }),
      });
    }
    checks.push({
      id: `memslot.invalid_flags[vmType=${short(type)}]`,
      description: 'Every memslot flag the VM does not support is EINVAL through both ioctls; GUEST_MEMFD only through the second.',
      source: SET_MEMORY_REGION,
      requires: { vmType: type },
      run: (kvm) =>
        withVm(kvm, type, (vm) => {
          let supported = KVM_MEM_LOG_DIRTY_PAGES;
          if (vm.checkExtension('KVM_CAP_READONLY_MEM')) supported |= KVM_MEM_READONLY;
          if (vm.checkExtension('KVM_CAP_GUEST_MEMFD')) supported |= KVM_MEM_GUEST_MEMFD;
          for (let bit = 0; bit < 32; bit++) {
            const flag = (1 << bit) >>> 0;
            if (supported & flag && flag !== KVM_MEM_GUEST_MEMFD) continue;
            const v1 = answer(() => vm.setUserMemoryRegion({ slot: 0, flags: flag, guestPhysAddr: 0, memorySize: 0x200000 }));
            if (v1 !== 'EINVAL') return `KVM_SET_USER_MEMORY_REGION flag bit ${bit}: expected EINVAL, got ${v1}`;
            if (supported & flag) continue;
            const v2 = answer(() => vm.setUserMemoryRegion2({ slot: 0, flags: flag, guestPhysAddr: 0, memorySize: 0x200000 }));
            if (v2 !== 'EINVAL') return `KVM_SET_USER_MEMORY_REGION2 flag bit ${bit}: expected EINVAL, got ${v2}`;
          }
          return undefined;
        }),
    });
  }
  return checks;
}

