/**
 * MAX_NUMNODES of the kernel in front of us (1 << CONFIG_NODES_SHIFT): a build option that no file
 * shows (/proc/self/status and /sys print nr_node_ids bits, not MAX_NUMNODES), so it is asked.
 * mbind reads the node mask before it looks at the range: get_nodes refuses a set bit at or past
 * MAX_NUMNODES (EINVAL), and do_mbind then returns 0 at once for an empty range. An empty mbind
 * with only bit 2^k - 1 set therefore succeeds exactly when 2^k <= MAX_NUMNODES, and changes
 * nothing either way. Debian's x86 builds have 1024; a build from another config may have 64.
 */
import type { Kvm } from '../api.js';
import { isKvmError } from '../errors.js';
import { GUEST_MEMFD_FLAG_MMAP } from '../uapi/flags.js';
import { PAGE_SIZE } from '../uapi/memory.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';

/** The largest NODES_SHIFT an x86 build can have. */
const MAX_NODES_SHIFT = 10;

/**
 * MAX_NUMNODES as the kernel behind `kvm` answers, asked through a one-page guest_memfd mapping
 * of a DEFAULT VM (the only mapping the API makes); undefined where none can be made (no
 * GUEST_MEMFD_FLAG_MMAP) or the kernel has no mbind (no NUMA, ENOSYS). Any other failure throws.
 */
export function maxNumNodesOf(kvm: Kvm): number | undefined {
  using vm = kvm.createVm(KVM_X86_VM_TYPES.byName.KVM_X86_DEFAULT_VM);
  if ((BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS')) & BigInt(GUEST_MEMFD_FLAG_MMAP)) === 0n) return undefined;
  using file = vm.createGuestMemfd({ size: PAGE_SIZE, flags: GUEST_MEMFD_FLAG_MMAP });
  using map = file.mmap({ length: PAGE_SIZE });
  for (let shift = MAX_NODES_SHIFT; shift > 0; shift--) {
    try {
      map.mbind({ mode: 'MPOL_DEFAULT', nodes: [(1 << shift) - 1], length: 0 });
      return 1 << shift;
    } catch (err) {
      // ENOSYS: a kernel without NUMA has no mbind (and no node but 0). Anything else is a bug.
      if (isKvmError(err, 'ENOSYS')) return undefined;
      if (!isKvmError(err, 'EINVAL')) throw err;
    }
  }
  return 1;
}
