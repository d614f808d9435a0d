/**
 * The live smoke check of `gmem probe`: create a VM and a guest_memfd, map it, touch it, punch a
 * page, bind it to a memslot. Each step is marked; a failing step stops the ones that need it. A
 * step the kernel cannot offer (no guest_memfd at all, as Debian builds 6.12; no MMAP flag) is
 * skipped with the reason: a kernel without a feature is reported, not failed.
 */
import type { GuestMemfd, HostMapping, Kvm, Vm } from '../api.js';
import { noGuestMemfd } from '../scenario/runner.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, GUEST_MEMFD_FLAGS, KVM_MEM_GUEST_MEMFD } from '../uapi/flags.js';
import { PAGE_SIZE } from '../uapi/memory.js';

export interface SmokeStep {
  step: string;
  /** False only for a step that ran and failed; a skipped step is not a failure. */
  ok: boolean;
  detail: string;
  /** Why the step did not run: the kernel lacks what it needs. */
  skipped?: true;
}

const STEPS = {
  vm: 'create a DEFAULT VM',
  create: 'create a 2-page guest_memfd',
  mmap: 'mmap it shared',
  touch: 'write and read back through the mapping',
  punch: 'punch the first page',
  bind: 'bind it to a memslot (KVM_SET_USER_MEMORY_REGION2)',
} as const;

export function smokeCheck(kvm: Kvm): SmokeStep[] {
  const steps: SmokeStep[] = [];
  const run = (step: string, fn: () => string): boolean => {
    try {
      steps.push({ step, ok: true, detail: fn() });
      return true;
    } catch (err) {
      steps.push({ step, ok: false, detail: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };
  const skip = (names: readonly (keyof typeof STEPS)[], why: string): void => {
    names.forEach((n, i) => steps.push({ step: STEPS[n], ok: true, skipped: true, detail: i === 0 ? `skipped: ${why}` : 'skipped (as above)' }));
  };
  let vm: Vm | undefined;
  let file: GuestMemfd | undefined;
  let map: HostMapping | undefined;
  try {
    if (!run(STEPS.vm, () => ((vm = kvm.createVm(0)), `fd ${vm.fd}`))) return steps;
    const none = noGuestMemfd(kvm);
    if (none) {
      skip(['create', 'mmap', 'touch', 'punch', 'bind'], none);
      return steps;
    }
    // Ask the VM which flags it takes (KVM_CAP_GUEST_MEMFD_FLAGS, 0 where the capability is unknown).
    const offered = BigInt(vm!.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'));
    const flags = offered & (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED);
    const mappable = (flags & GUEST_MEMFD_FLAG_MMAP) !== 0n && (flags & GUEST_MEMFD_FLAG_INIT_SHARED) !== 0n;
    if (!run(`${STEPS.create} with ${flags ? GUEST_MEMFD_FLAGS.format(flags) : 'no flags'}`, () => {
      file = vm!.createGuestMemfd({ size: 2 * PAGE_SIZE, flags });
      return `fd ${file.fd}, size ${file.stat().size}`;
    })) return steps;
    if (mappable) {
      if (!run(STEPS.mmap, () => ((map = file!.mmap()), `${map.length} bytes`))) return steps;
      run(STEPS.touch, () => {
        map!.fill(0, 2 * PAGE_SIZE, 0xaa);
        const back = map!.read(PAGE_SIZE - 1, 2);
        if (back[0] !== 0xaa || back[1] !== 0xaa) throw new Error(`read back ${back[0]}, ${back[1]} instead of 0xaa`);
        return 'read 0xaa';
      });
      run(`${STEPS.punch}: it reads zero`, () => {
        file!.punchHole(0, PAGE_SIZE);
        const first = map!.read(0, 1)[0];
        const second = map!.read(PAGE_SIZE, 1)[0];
        if (first !== 0 || second !== 0xaa) throw new Error(`after the punch the pages read ${first} and ${second}`);
        return 'page 0 reads 0, page 1 still 0xaa';
      });
    } else {
      skip(['mmap', 'touch'], `a DEFAULT VM's guest_memfd flags (KVM_CAP_GUEST_MEMFD_FLAGS = 0x${offered.toString(16)}) lack MMAP|INIT_SHARED: the file cannot be mapped and touched`);
      run(STEPS.punch, () => (file!.punchHole(0, PAGE_SIZE), 'fallocate(PUNCH_HOLE|KEEP_SIZE) of page 0'));
    }
    run(STEPS.bind, () => {
      vm!.setUserMemoryRegion2({
        slot: 0,
        flags: KVM_MEM_GUEST_MEMFD,
        guestPhysAddr: 1n << 32n,
        memorySize: 2 * PAGE_SIZE,
        userspaceAddr: map ? map.address : 0n,
        guestMemfd: file!,
        guestMemfdOffset: 0,
      });
      return 'slot 0 at GPA 0x100000000';
    });
    return steps;
  } finally {
    map?.unmap();
    file?.close();
    vm?.close();
  }
}
