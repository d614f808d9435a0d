/** KVM_CHECK_EXTENSION through the addon, on /dev/kvm or a VM. */
import type { CapabilityInput } from '../api.js';
import { capabilityNumber } from '../args.js';
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

const KVM_CHECK_EXTENSION = KVM_IOCTLS.byName.KVM_CHECK_EXTENSION;

export function checkExtensionOn(native: NativeAddon, fd: number, cap: CapabilityInput): number {
  // Callers check capabilities in loops: a small number takes the int32 path, with no BigInt.
  const small = typeof cap === 'number' && (cap | 0) === cap && cap >= 0;
  const n = small ? cap : capabilityNumber(cap);
  const r = typeof n === 'number' ? native.ioctlInt(fd, KVM_CHECK_EXTENSION, n) : native.ioctlValue(fd, KVM_CHECK_EXTENSION, n);
  return check(r, 'ioctl', 'KVM_CHECK_EXTENSION');
}
