/** scripts/test.mjs: a readable reporter for people, TAP for CI, and one file at a time. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type TestArgs = {
  reporterFor(isTTY: boolean, env: Record<string, string | undefined>): string;
  concurrencyFlags(flags: string[], parallelism: number): string[];
};

describe('npm test output', () => {
  it('a terminal gets the spec reporter, anything else TAP, GMEM_TEST_REPORTER overrides', async () => {
    const { reporterFor } = (await import(new URL('../../scripts/test-args.mjs', import.meta.url).href)) as TestArgs;
    assert.equal(reporterFor(true, {}), 'spec');
    assert.equal(reporterFor(false, {}), 'tap');
    assert.equal(reporterFor(true, { GMEM_TEST_REPORTER: 'dot' }), 'dot');
  });
  it('at least two test files run at once (Node 20 runs one on two cores); a --test-concurrency flag wins', async () => {
    const { concurrencyFlags } = (await import(new URL('../../scripts/test-args.mjs', import.meta.url).href)) as TestArgs;
    assert.deepEqual(concurrencyFlags([], 2), ['--test-concurrency=2']);
    assert.deepEqual(concurrencyFlags([], 1), ['--test-concurrency=2']);
    assert.deepEqual(concurrencyFlags([], 8), ['--test-concurrency=7']);
    assert.deepEqual(concurrencyFlags(['--test-concurrency=1'], 2), []);
  });
  it('node scripts/test.mjs FILE runs that file only, in TAP with the closing counts when piped', () => {
    const { NODE_TEST_CONTEXT: _, UPDATE_GOLDEN: __, ...env } = process.env; // A runner of its own, comparing.
    const r = spawnSync(process.execPath, ['scripts/test.mjs', 'dist/test/golden.test.js'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^# tests 1$/m);
    assert.match(r.stdout, /^# pass 1$/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });
});
