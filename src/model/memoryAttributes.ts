/** The KVM_SET_MEMORY_ATTRIBUTES rule (the VM-wide ioctl of 6.18), checks in the kernel's order. */
import { MEMORY_ATTRIBUTES } from '../uapi/flags.js';
import { U64_MAX, isPageAligned, pageOf } from '../uapi/memory.js';
import { supportedVmMemoryAttributes } from './caps.js';
import { fail, hex } from './fail.js';
import type { VmState } from './vmState.js';

export function vmSetMemoryAttributes(vm: VmState, address: bigint, size: bigint, attributes: bigint, flags: bigint): void {
  if (!vm.profile.vmMemoryAttributes) fail('ENOTTY', 'this kernel is built without VM memory attributes');
  if (flags !== 0n) fail('EINVAL', `flags ${hex(flags)} must be 0`);
  const supported = supportedVmMemoryAttributes(vm.profile, vm.type);
  if (attributes & ~supported) {
    fail('EINVAL', `attributes ${MEMORY_ATTRIBUTES.format(attributes)} are not in the supported set ${hex(supported)}`);
  }
  if (size === 0n) fail('EINVAL', 'size is 0');
  if (address + size > U64_MAX) fail('EINVAL', 'address + size wraps');
  if (!isPageAligned(address) || !isPageAligned(size)) fail('EINVAL', `address ${hex(address)} and size ${hex(size)} must be page aligned`);
  vm.setAttributes(pageOf(address), pageOf(address + size), Number(attributes));
}
