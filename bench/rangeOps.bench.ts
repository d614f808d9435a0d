/**
 * Range operations on the model: a 1 TiB zero fill, a 1 TiB pin and a 1 GiB fill of a file, timed.
 * They are range operations (cost follows the number of distinct ranges, not pages); before they
 * were, the 1 TiB zero fill took about half a minute and the pin never finished.
 * `npm run build && node dist/bench/rangeOps.bench.js`
 */
import { openKvm } from '../src/open.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../src/uapi/flags.js';

const TiB = 1n << 40n;

function time(label: string, fn: () => void): void {
  const t = process.hrtime.bigint();
  fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  process.stdout.write(`${label}: ${ms.toFixed(1)} ms (rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)\n`);
}

const kvm = openKvm({ backend: 'model', profile: process.argv[2] ?? 'granular' });
const vm = kvm.createVm(0);
const file = vm.createGuestMemfd({ size: TiB, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
const map = file.mmap();
time('zero fill of 1 TiB through a mapping', () => map.fill(0, TiB, 0));
time('non-zero fill of 4 MiB', () => map.fill(0, 4n << 20n, 7));
time('zero fill of 1 TiB over 4 MiB of data', () => map.fill(0, TiB, 0));
time('pin of 1 TiB', () => {
  try {
    file.pins!.pin(0, TiB).release();
  } catch (err) {
    process.stdout.write(`  (pin: ${(err as Error).message})\n`);
  }
});
time('read of 16 MiB', () => map.read(TiB - (16n << 20n), 16 << 20));
map.unmap();
file.close();
vm.close();
kvm.close();
