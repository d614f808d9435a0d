/**
 * The safety net for dropped handles (#17 item 7): 10,000 create/mmap cycles whose handles are
 * never closed do not exhaust a limit of 256 descriptors on the kernel (they did: EMFILE after
 * ~250), and once the model's Kvm and everything made from it are dropped, the model's
 * statistics are back where they were (they kept counting every collected inode). Each run is a
 * child process with --expose-gc and `ulimit -n 256`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backendCases } from '../backends.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'dropped.child.js');

/**
 * The kernel needs 10,000 cycles to pass a limit of 256 descriptors many times over; the model has
 * no such limit (its files live in the model process until it is collected), and 2,000 dropped
 * files show its statistics going back to the baseline as well as 10,000 would, at a fifth of the
 * cost (each cycle leaves a file's range maps on the heap until the Kvm is collected).
 */
const CYCLES = { kernel: 10_000, model: 2_000 } as const;

function run(backend: 'model' | 'kernel'): { done: number; before: Record<string, number>; after: Record<string, number> } {
  const r = spawnSync('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" --expose-gc "${CHILD}" ${backend} ${CYCLES[backend]}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `child failed (signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

for (const backend of backendCases()) {
  describe(`handles dropped without close() [${backend.label}]`, { skip: backend.skip }, () => {
    it(`${CYCLES[backend.backend]} dropped create/mmap cycles stay under 256 descriptors; the model then counts only live objects`, () => {
      const { done, before, after } = run(backend.backend);
      assert.equal(done, CYCLES[backend.backend]);
      if (backend.backend === 'model') assert.deepEqual(after, before, 'every dropped file was released');
    });
  });
}
