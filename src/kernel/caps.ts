/** KVM_CHECK_EXTENSION through the addon, on /dev/kvm or a VM. */
import type { CapabilityInput } from '../api.js';
import { capabilityNumber } from '../args.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

const KVM_CHECK_EXTENSION = KVM_IOCTLS.byName.KVM_CHECK_EXTENSION;

/**
 * The capability as the ioctl takes it, validated (before the handle is checked, as the model
 * does). Callers check capabilities in loops: a small number stays an int32, with no BigInt.
 */
export function capabilityArg(cap: CapabilityInput): number | bigint {
  return typeof cap === 'number' && (cap | 0) === cap && cap >= 0 ? cap : capabilityNumber(cap);
}

export function checkExtensionOn(native: NativeAddon, fd: number, n: number | bigint): number {
  const r = typeof n === 'number' ? native.ioctlInt(fd, KVM_CHECK_EXTENSION, n) : native.ioctlValue(fd, KVM_CHECK_EXTENSION, n);
  return check(r, 'ioctl', 'KVM_CHECK_EXTENSION');
}
