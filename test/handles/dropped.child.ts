/**
 * Run by finalizer.test.ts in a child process with --expose-gc and a low descriptor limit:
 * creates and maps many guest_memfd files and drops every handle without close() or unmap().
 * Prints one JSON line: the cycles done, modelStats() before and after (the model's), and the
 * descriptors the process held after each settle (every 100 cycles).
 */
import { readdirSync } from 'node:fs';
import { openKvm } from '../../src/open.js';
import { modelStats } from '../../src/model/stats.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';

const backend = process.argv[2] === 'kernel' ? 'kernel' : 'model';
const cycles = Number(process.argv[3] ?? 2_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const settle = async (): Promise<void> => {
  gc();
  await new Promise((resolve) => setImmediate(resolve)); // Finalizers run between tasks.
};

const before = modelStats();
/** Descriptors the process holds, after each settle in the loop (a leak grows them). */
const held: number[] = [];

/**
 * Everything in a frame of its own, so that no stack slot keeps a handle alive: the Kvm and
 * the VM are dropped too. On the kernel each handle has its own safety net (else EMFILE well
 * before the end); on the model the whole model process is given back once it is unreachable.
 */
async function run(): Promise<number> {
  const kvm = openKvm({ backend });
  const vm = kvm.createVm();
  const cycle = (i: number): void => {
    const file = vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
    file.mmap().write(0, new Uint8Array([i & 0xff]));
  };
  let done = 0;
  for (; done < cycles; done++) {
    cycle(done);
    if (done % 100 === 99) {
      await settle();
      held.push(readdirSync('/proc/self/fd').length);
    }
  }
  return done;
}

const done = await run();
for (let i = 0; i < 4; i++) await settle();
process.stdout.write(`${JSON.stringify({ done, before, after: modelStats(), held })}\n`);
