/** The one rule for --backend/--profile (src/cli/backendOption.ts), and no stack trace when the kernel cannot be used. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { explore } from '../src/cli/explore.js';
import { runGmemBatch } from './helpers.js';

const SCENARIO = fileURLToPath(new URL('../../catalog/selftest/fallocate.json', import.meta.url));
/** One instance of a few steps: enough for a command to resolve its backends and run. */
const SMALL = fileURLToPath(new URL('../../catalog/create/sizes.json', import.meta.url));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('--backend both without a usable kernel', () => {
  const CASES = [['conform', '--backend', 'both'], ['run', SCENARIO, '--backend', 'both'], ['conform', '--backend', 'kernel'], ['explore', '--backend', 'kernel', '--port', '0']];
  // One child process for all (GMEM_KVM_DEVICE is read when the library loads).
  const results = runGmemBatch(CASES.map((args) => ({ args })), { ...process.env, GMEM_KVM_DEVICE: '/nonexistent/kvm' });
  CASES.forEach((args, i) => {
    it(`gmem ${args.join(' ')} prints the reason and exits 2, without a stack trace`, () => {
      const r = results[i]!;
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^gmem (conform|run|explore): --backend (both|kernel) needs the kernel: /);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack frames');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  });
});

describe('--backend and --profile: one rule', () => {
  it('--profile alone means the model with that profile', async () => {
    const r = await run(['conform', '--profile', 'linux-6.18', '--filter', 'selftest.fallocate*']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend: model \(linux-6\.18\) \(--profile linux-6\.18\)$/m);
  });
  it('--profile with --backend auto (the default, spelled out) is the same as --profile alone', async () => {
    const r = await run(['conform', '--backend', 'auto', '--profile', 'inplace', '--filter', 'selftest.fallocate*']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend: model \(inplace\)/m);
  });
  it('--backend kernel --profile P is an error: the kernel is not a profile', async () => {
    const r = await run(['conform', '--backend', 'kernel', '--profile', 'inplace']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the kernel is not a profile/);
  });
  it('a bad --backend lists every value, both included', async () => {
    for (const command of ['conform', 'probe']) {
      const r = await run([command, '--backend', 'vmware']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--backend must be auto, kernel, model or both, got "vmware"/);
    }
  });
  it('probe refuses --backend both (it shows one backend)', async () => {
    const r = await run(['probe', '--backend', 'both']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /conform, run and explore only/);
  });
});

describe('options are honoured or refused, never silently ignored', () => {
  it('conform --json prints JSON', async () => {
    const r = await run(['conform', '--backend', 'model', '--json', '--filter', 'selftest.fallocate*']);
    assert.equal(r.code, 0, r.stderr);
    const { runs } = JSON.parse(r.stdout) as { runs: { results: { id: string }[] }[] };
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.results.length > 0, 'the filtered checks ran');
    for (const { id } of runs[0]!.results) assert.match(id, /^selftest\.fallocate/);
  });
  it('conform --list --format json lists the checks as JSON', async () => {
    const r = await run(['conform', '--list', '--format', 'json', '--filter', 'memslot.*']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { id: string; description: string }[];
    assert.ok(list.length > 0 && list.every((e) => e.id.startsWith('memslot.')));
  });
  for (const [args, pattern] of [
    [['conform', '--json', '--format', 'ktap'], /contradicts --format ktap/],
    [['conform', '--list', '--format', 'ktap'], /--list prints text or JSON/],
    [['probe', '--format', 'ktap'], /unknown option --format/],
    [['probe', '--port', '1'], /unknown option --port/],
    [['run', SCENARIO, '--filter', 'x*'], /unknown option --filter/],
  ] as const) {
    it(`gmem ${args.join(' ')} is refused with exit 2`, async () => {
      const r = await run([...args]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    });
  }
});

describe('gmem explore follows the same --backend/--profile rule as gmem run', () => {
  // Every combination, on whatever this machine offers (with or without a usable kernel): explore
  // refuses exactly what run refuses, with the same reason, and runs a kernel beside its model
  // exactly when run runs the kernel. Its one difference is documented: without --backend it
  // shows the model alone (the pictures come from the model).
  for (const backend of [undefined, 'auto', 'model', 'kernel', 'both', 'qemu']) {
    for (const profile of [undefined, 'linux-6.18', 'inplace-v13', 'no-such-profile']) {
      const flags = [...(backend ? ['--backend', backend] : []), ...(profile ? ['--profile', profile] : [])];
      it(`explore ${flags.join(' ') || '(no flags)'}`, async () => {
        const ran = await run(['run', SMALL, ...flags]);
        let out = '';
        let err = '';
        const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
        const code = await explore(SMALL, { port: '0', ...(backend ? { backend } : {}), ...(profile ? { profile } : {}) }, io, Promise.resolve());
        if (ran.code === 2) {
          assert.equal(code, 2, out);
          assert.equal(err.replace(/^gmem explore: /, ''), ran.stderr.replace(/^gmem run: /, ''));
          return;
        }
        assert.equal(code, 0, err);
        const runOnKernel = / on kernel: /.test(ran.stdout);
        const besideKernel = /^ {2}backend: model \([^)]+\) beside the kernel /m.test(out);
        assert.equal(besideKernel, backend !== undefined && runOnKernel, `${out}\n${ran.stdout}`);
        if (profile) assert.match(out, new RegExp(`^  backend: model \\(${profile}[ )]`, 'm'), 'the named profile is the model\'s');
      });
    }
  }
});
