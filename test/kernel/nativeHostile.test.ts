/**
 * The addon validates every argument itself: called directly (it is a loadable module, so any
 * code in the process can), with wrong sizes, descriptors past int32, NUL in paths, wrapping
 * ranges, address 0, foreign, unmapped or read-only addresses, it answers with its bad-arguments
 * code and the process lives. A Worker's munmap during a copy waits for the copy. Each run is a
 * child process: a crash there is a failed test, not a dead test runner.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../src/kernel/native.js';

const native = loadNative();
const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const addonPath = root('build/gmem_native.node');

function runFixture(name: string): { signal: NodeJS.Signals | null; status: number | null; stderr: string; result: any } {
  const r = spawnSync(process.execPath, [root(`test/kernel/fixtures/${name}`), addonPath], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `${name} finished in time`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { signal: r.signal, status: r.status, stderr: r.stderr, result: line ? JSON.parse(line) : undefined };
}

describe('the native addon refuses hostile arguments on its own', { skip: native.ok ? false : 'native addon unavailable' }, () => {
  it('every export, called directly with hostile arguments, refuses them and no signal kills the process', () => {
    const r = runFixture('hostileAddon.cjs');
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.result.accepted, [], 'every hostile call was refused');
    assert.ok(r.result.refused.length >= 200, `${r.result.refused.length} hostile calls made`);
    // Every export was called at least once with something hostile.
    const exported = Object.entries(native.ok ? native.addon : {})
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    for (const name of exported) assert.ok(r.result.refused.some((c: string) => c.startsWith(`${name}(`)), `${name} was called with hostile arguments`);
    assert.equal(r.result.kernelRefused.length, 4, 'the offsets past INT64_MAX reached the kernel and were refused there');
    assert.equal(r.result.intact, true, 'the mapping and descriptor the refusals protected still work');
    assert.equal(r.result.heapByte, 0, 'the Buffer given as a foreign address was not written');
  });

  it('a Worker unmapping a mapping while the main thread copies from it: the unmap waits, later copies are refused, nothing crashes', () => {
    const r = runFixture('concurrentUnmap.cjs');
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.result.unmapped, 2, 'the Worker unmapped the mapping');
    assert.equal(r.result.refused, 1, 'the first copy after the unmap was refused');
    assert.ok(r.result.full >= 1, 'copies ran before the unmap');
  });
});
