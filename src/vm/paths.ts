/** Where gmem keeps other kernels and the initramfs images built for them. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $GMEM_KERNEL_CACHE, else $XDG_CACHE_HOME/gmem/kernels, else ~/.cache/gmem/kernels. */
export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GMEM_KERNEL_CACHE) return env.GMEM_KERNEL_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'gmem', 'kernels');
}

/** Private apt state (sources, lists, downloaded .debs): never the machine's own /etc/apt. */
export function aptDir(cache: string): string {
  return join(cache, '.apt');
}

/** Built initramfs images, keyed by what went into them (dot-named so `kernels list` skips it). */
export function initramfsDir(cache: string): string {
  return join(cache, '.initramfs');
}
