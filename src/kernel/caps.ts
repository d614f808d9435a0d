/** KVM_CHECK_EXTENSION through the addon, on /dev/kvm or a VM. */
import { KVM_IOCTLS } from '../uapi/ioctl.js';
import type { NativeAddon } from './native.js';
import { check } from './sys.js';

const KVM_CHECK_EXTENSION = KVM_IOCTLS.byName.KVM_CHECK_EXTENSION;

/** A small capability goes as an int32 (no BigInt on the hot path of loops over capabilities). */
export function checkExtensionOn(native: NativeAddon, fd: number, n: number | bigint): number {
  const r = typeof n === 'number' ? native.ioctlInt(fd, KVM_CHECK_EXTENSION, n) : native.ioctlValue(fd, KVM_CHECK_EXTENSION, n);
  return check(r);
}
