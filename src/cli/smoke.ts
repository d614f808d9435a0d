/**
 * The live smoke check of `gmem probe`: create a VM and a guest_memfd, map it, touch it, punch a
 * page, bind it to a memslot. Each step is marked; a failing step stops the ones that need it.
 */
import type { GuestMemfd, HostMapping, Kvm, Vm } from '../api.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP, KVM_MEM_GUEST_MEMFD } from '../uapi/flags.js';
import { PAGE_SIZE } from '../uapi/memory.js';

export interface SmokeStep {
  step: string;
  ok: boolean;
  detail: string;
}

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
  let vm: Vm | undefined;
  let file: GuestMemfd | undefined;
  let map: HostMapping | undefined;
  try {
    if (!run('create a DEFAULT VM', () => ((vm = kvm.createVm(0)), `fd ${vm.fd}`))) return steps;
    if (!run('create a 2-page guest_memfd with MMAP|INIT_SHARED', () => {
      file = vm!.createGuestMemfd({ size: 2 * PAGE_SIZE, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
      return `fd ${file.fd}, size ${file.stat().size}`;
    })) return steps;
    if (!run('mmap it shared', () => ((map = file!.mmap()), `${map.length} bytes`))) return steps;
    run('write and read back through the mapping', () => {
      map!.fill(0, 2 * PAGE_SIZE, 0xaa);
      const back = map!.read(PAGE_SIZE - 1, 2);
      if (back[0] !== 0xaa || back[1] !== 0xaa) throw new Error(`read back ${back[0]}, ${back[1]} instead of 0xaa`);
      return 'read 0xaa';
    });
    run('punch the first page: it reads zero', () => {
      file!.punchHole(0, PAGE_SIZE);
      const first = map!.read(0, 1)[0];
      const second = map!.read(PAGE_SIZE, 1)[0];
      if (first !== 0 || second !== 0xaa) throw new Error(`after the punch the pages read ${first} and ${second}`);
      return 'page 0 reads 0, page 1 still 0xaa';
    });
    run('bind it to a memslot (KVM_SET_USER_MEMORY_REGION2)', () => {
      vm!.setUserMemoryRegion2({
        slot: 0,
        flags: KVM_MEM_GUEST_MEMFD,
        guestPhysAddr: 1n << 32n,
        memorySize: 2 * PAGE_SIZE,
        userspaceAddr: map!.address,
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
