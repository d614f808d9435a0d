/**
 * The guest's /init: a busybox shell script. It mounts the pseudo file systems, loads the KVM
 * modules, reports the kernel and its KVM on the console (protocol.ts), runs the command given
 * base64-encoded on the kernel command line with stdout on ttyS1 and stderr on ttyS2, reports
 * its exit status and powers off. It never runs the command without /dev/kvm.
 */
import { MARKER } from './protocol.js';

export const GUEST_PROJECT_DIR = '/gmem';
export const GUEST_MODULES_DIR = '/lib/modules/gmem';
/** The kernel parameter carrying the command (dotted, so the kernel keeps it out of init's environment). */
export const COMMAND_PARAMETER = 'gmem.cmd';

export function initScript(nodePath: string): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp
say() { echo "${MARKER} $*"; }
# QEMU runs with -no-reboot, so a reboot ends it on any kernel (poweroff needs ACPI or APM).
end() { sync; reboot -f; sleep 5; echo b > /proc/sysrq-trigger; }
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Long-term pins for the kernel backend go through debugfs's gup_test (CONFIG_GUP_TEST builds).
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
mount -t tmpfs tmpfs /tmp
say "uname $(uname -r)"
vendor=
grep -qw svm /proc/cpuinfo && vendor=kvm_amd
grep -qw vmx /proc/cpuinfo && vendor=kvm_intel
for m in $(cat ${GUEST_MODULES_DIR}/order 2>/dev/null); do
  case $m in kvm_amd|kvm_intel) [ "$m" = "$vendor" ] || continue;; esac
  out=$(insmod ${GUEST_MODULES_DIR}/$m.ko 2>&1) || say "module insmod $m failed: $out"
done
[ -e /dev/kvm ] || { [ -e /sys/class/misc/kvm/dev ] && mknod /dev/kvm c $(tr : ' ' < /sys/class/misc/kvm/dev); }
if [ ! -e /dev/kvm ]; then
  [ -n "$vendor" ] || say "nokvm-line the virtual CPU offers neither svm nor vmx"
  [ -s ${GUEST_MODULES_DIR}/order ] || say "nokvm-line no KVM modules were given (--modules) and this kernel has no KVM built in"
  dmesg | grep -i -E 'kvm|svm|vmx' | tail -n 8 | while read -r line; do say "nokvm-line $line"; done
  say nokvm
  end
fi
say kvm
${nodePath} ${GUEST_PROJECT_DIR}/dist/src/vm/guestReport.js
for a in $(cat /proc/cmdline); do
  case $a in ${COMMAND_PARAMETER}=*) echo "\${a#${COMMAND_PARAMETER}=}" | base64 -d > /tmp/.gmem-command;; esac
done
for t in /dev/ttyS1 /dev/ttyS2; do stty -F $t raw -echo 2>/dev/null; done
# Through FIFOs, so that the command sees pipes (as under a CI runner), not terminals: no
# progress lines, no colours. cat drains each into its serial port.
mkfifo /tmp/.gmem-out /tmp/.gmem-err
cat /tmp/.gmem-out > /dev/ttyS1 &
outcat=$!
cat /tmp/.gmem-err > /dev/ttyS2 &
errcat=$!
say run
( cd ${GUEST_PROJECT_DIR} && . /tmp/.gmem-command ) < /dev/null > /tmp/.gmem-out 2> /tmp/.gmem-err
status=$?
wait $outcat $errcat
say "exit $status"
end
`;
}

export function gmemWrapper(nodePath: string): string {
  return `#!/bin/sh\nexec ${nodePath} ${GUEST_PROJECT_DIR}/bin/gmem.js "$@"\n`;
}
