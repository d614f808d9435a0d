/** Whether this machine's kernel has transparent huge pages (the kernel backend's answer in features()). */
import { existsSync } from 'node:fs';

/**
 * Whether the running kernel has transparent huge pages: the THP code creates this sysfs directory
 * at boot (hugepage_init), and a kernel built without CONFIG_TRANSPARENT_HUGEPAGE has none. (A CPU
 * without huge page support would also leave it out; no x86-64 CPU lacks it.)
 */
export function transparentHugepagesBuiltIn(dir = '/sys/kernel/mm/transparent_hugepage'): boolean {
  return existsSync(dir);
}
