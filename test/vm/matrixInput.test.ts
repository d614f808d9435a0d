/**
 * npm run test:kernels refuses bad options with its usage (exit 2, no stack trace) before it
 * boots anything, and --help prints the usage.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MATRIX = fileURLToPath(new URL('../../src/vm/matrixMain.js', import.meta.url));
// An empty cache: were an option let through, the run would stop at "no kernels cached", not boot.
const run = (args: string[]) => spawnSync(process.execPath, [MATRIX, ...args], { encoding: 'utf8', env: { ...process.env, GMEM_KERNEL_CACHE: '/nonexistent/gmem-kernels' } });

describe('npm run test:kernels options', () => {
  it('--help prints the usage and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: npm run test:kernels -- \[--fuzz-seconds N\]/);
  });
  for (const [args, message] of [
    [['--frob'], /Unknown option '--frob'/],
    [['--fuzz-seconds', 'abc'], /--fuzz-seconds wants a positive number of seconds, not "abc"/],
    [['--fuzz-seconds', '0'], /--fuzz-seconds wants a positive number/],
    [['--numa', '9'], /--numa wants a whole number of nodes from 1 to 8/],
    [['--only', 'ubuntu'], /--only wants a kernel name like debian:7\.3/],
  ] as const) {
    it(`${args.join(' ')} is a usage error (exit 2, the usage, no stack trace)`, () => {
      const r = run([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\n\nusage: npm run test:kernels/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});
