/** For tests: the QEMU processes whose command line mentions a marker (a test's private TMPDIR). */
import { readdirSync, readFileSync } from 'node:fs';

export function qemuProcessesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes('qemu-system') && cmdline.includes(marker)) found.push(Number(name));
  }
  return found;
}
