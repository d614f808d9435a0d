/** The KVM_SET_MEMORY_ATTRIBUTES rule (the VM-wide ioctl of 6.18), checks in the kernel's order. */
import { MEMORY_ATTRIBUTES } from '../uapi/flags.js';
import { U64_MAX, isPageAligned, pageOf } from '../uapi/memory.js';
import { supportedVmMemoryAttributes } from './caps.js';
import { fail, hex } from './fail.js';
import type { VmState } from './vmState.js';

export function vmSetMemoryAttributes(vm: VmState, address: bigint, size: bigint, attributes: bigint, flags: bigint): void {
  if (!vm.profile.vmMemoryAttributes) fail('ENOTTY', 'this kernel is built without VM memory attributes');
  checkMemoryAttributesArgs(address, size, attributes, flags, supportedVmMemoryAttributes(vm.profile, vm.type), fail);
  vm.setAttributes(pageOf(address), pageOf(address + size), Number(attributes));
}

/**
 * The ioctl's argument checks in the kernel's order, for a VM that supports `supported`: `refuse`
 * is called with the first that fails. When they all pass the kernel walks the range page by
 * page; the scenario budget (src/scenario/budget.ts) asks this to know whether it would.
 */
export function checkMemoryAttributesArgs(address: bigint, size: bigint, attributes: bigint, flags: bigint, supported: bigint, refuse: (code: 'EINVAL', reason: string) => never): void {
  if (flags !== 0n) refuse('EINVAL', `flags ${hex(flags)} must be 0`);
  if (attributes & ~supported) refuse('EINVAL', `attributes ${MEMORY_ATTRIBUTES.format(attributes)} are not in the supported set ${hex(supported)}`);
  if (size === 0n) refuse('EINVAL', 'size is 0');
  if (address + size > U64_MAX) refuse('EINVAL', 'address + size wraps');
  if (!isPageAligned(address) || !isPageAligned(size)) refuse('EINVAL', `address ${hex(address)} and size ${hex(size)} must be page aligned`);
}
