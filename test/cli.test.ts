/** The gmem command: golden output for the model, and its argument handling. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { golden } from './golden.js';
import { runGmem, runGmemBatch } from './helpers.js';

const run = runGmem;


describe('gmem probe', () => {
  it('prints the model report (golden)', async () => {
    const r = await run(['probe', '--backend', 'model']);
    assert.equal(r.code, 0, r.stderr);
    golden('probe-model.txt', r.stdout);
  });
  it('--json prints the same report as JSON (golden)', async () => {
    const r = await run(['probe', '--json', '--backend', 'model']);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as { capabilities: { name: string; value: number; decoded?: string[] }[]; smoke: { ok: boolean }[] };
    const flags = report.capabilities.find((c) => c.name === 'KVM_CAP_GUEST_MEMFD_FLAGS');
    assert.deepEqual(flags, { name: 'KVM_CAP_GUEST_MEMFD_FLAGS', number: 244, value: 3, decoded: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] });
    assert.ok(report.smoke.length >= 6 && report.smoke.every((s) => s.ok));
    golden('probe-model.json', r.stdout);
  });
  it('a kernel without guest_memfd (linux-6.12) is reported, not failed: the smoke steps that need it are skipped, exit 0', async () => {
    const r = await run(['probe', '--json', '--profile', 'linux-6.12']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { noGuestMemfd?: string; smoke: { step: string; ok: boolean; skipped?: true; detail: string }[] };
    assert.match(report.noGuestMemfd ?? '', /has no guest_memfd/);
    assert.deepEqual(report.smoke.map((s) => s.skipped ?? false), [false, true, true, true, true, true]);
    assert.match(report.smoke[1]!.detail, /^skipped: this kernel has no guest_memfd/);
    const text = await run(['probe', '--profile', 'linux-6.12']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^ {2}- create a 2-page guest_memfd: skipped: /m);
  });
  it('an unknown profile is a clear error with exit status 2', async () => {
    const r = await run(['probe', '--profile', 'linux-9.9']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown profile "linux-9.9"; known profiles: linux-6.18/);
  });
  it('an unknown backend is a clear error with exit status 2', async () => {
    const r = await run(['probe', '--backend', 'vmware']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /backend must be/);
  });
});

describe('gmem probe on a machine without KVM', () => {
  // One child process for both (GMEM_KVM_DEVICE is read when the library loads).
  const [auto, kernel] = runGmemBatch([{ args: ['probe'] }, { args: ['probe', '--backend', 'kernel'] }], { ...process.env, GMEM_KVM_DEVICE: '/nonexistent/kvm' });
  it('says so plainly and probes the model instead', () => {
    assert.equal(auto!.status, 0, auto!.stderr);
    assert.match(auto!.stdout, /^backend: model \(auto: \/nonexistent\/kvm does not exist \(no KVM on this machine\); using the model\)$/m);
    assert.match(auto!.stdout, /profile: linux-6.18/);
  });
  it('--backend kernel fails with the reason and exit status 2', () => {
    assert.equal(kernel!.status, 2);
    assert.match(kernel!.stderr, /--backend kernel needs the kernel: \/nonexistent\/kvm does not exist/);
  });
});

describe('gmem conform', () => {
  it('--backend model prints the readable report (golden) and exits 0', async () => {
    const r = await run(['conform', '--backend', 'model']);
    assert.equal(r.code, 0, r.stderr);
    golden('conform-model.txt', r.stdout);
  });
  it('--format ktap prints KTAP (golden)', async () => {
    const r = await run(['conform', '--backend', 'model', '--format', 'ktap']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KTAP version 1\n1\.\.\d+\n/);
    golden('conform-model.ktap', r.stdout);
  });
  it('--format json has every result and a summary per backend', async () => {
    const r = await run(['conform', '--backend', 'model', '--profile', 'inplace', '--format', 'json', '--filter', 'conversion.*']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { runs: { backend: string; summary: Record<string, number>; results: { id: string; status: string }[] }[] };
    assert.equal(j.runs[0]!.backend, 'model (inplace)');
    assert.ok(j.runs[0]!.summary.pass! >= 10);
    assert.ok(j.runs[0]!.results.every((x) => x.id.startsWith('conversion.')));
  });
  it('--list lists checks; a filter that matches nothing and a bad format are errors', async () => {
    const list = await run(['conform', '--list', '--filter', 'memslot.*']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^memslot\.add_private_memory_region\[vmType=DEFAULT_VM\]\t/m);
    assert.equal((await run(['conform', '--filter', 'nothing.*'])).code, 2);
    assert.match((await run(['conform', '--format', 'xml'])).stderr, /--format must be pretty, ktap or json/);
    // With both backends --profile overrides the release profile chosen for the kernel; it must exist.
    const unknown = await run(['conform', '--backend', 'both', '--profile', 'linux-9.9']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown profile "linux-9\.9"/);
  });
  it('gmem run prints a scenario step by step and fails with exit 1 when a step does not meet its expectation', async () => {
    const ok = await run(['run', fileURLToPath(new URL('../../catalog/selftest/fallocate.json', import.meta.url)), '--backend', 'model']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /== selftest\.fallocate\[vmType=DEFAULT_VM,flags=0\] on model \(linux-6\.18\): pass/);
    assert.match(ok.stdout, /✓  3 punchHole \(unaligned offset\): EINVAL/);
    const bad = await run(['run', fileURLToPath(new URL('../../catalog/selftest/fallocate.json', import.meta.url)), '--backend', 'model', '--profile', 'rfc-1g-v2']);
    assert.equal(bad.code, 0, 'skipped instances are not failures');
    // A step whose expectation is wrong: exit 1, the step marked with what was expected.
    const dir = mkdtempSync(join(tmpdir(), 'gmem-run-'));
    try {
      const file = join(dir, 'wrong.json');
      writeFileSync(file, JSON.stringify({ name: 'wrong', steps: [{ do: 'createVm', as: 'vm' }, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4095, expect: 'ok' }] }));
      const failed = await run(['run', file, '--backend', 'model']);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stdout, /== wrong on model \(linux-6\.18\): fail/);
      assert.match(failed.stdout, /✗  1 createGuestMemfd: EINVAL  <- expected ok/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal((await run(['run'])).code, 2);
    assert.match((await run(['run', '/nonexistent.json'])).stderr, /nonexistent\.json/);
  });
});

describe('hostile command lines', () => {
  const WEIRD = ['', ' ', '-1', '1e309', 'NaN', '\u0000', 'é\u{1F600}', 'x'.repeat(10_000), '../../etc/passwd', '*?[(', '--json'];
  it('every flag with every weird value ends in a clear message or a normal report, never a crash', async () => {
    for (const value of WEIRD) {
      for (const args of [
        ['probe', '--backend', value],
        ['probe', '--profile', value],
        ['conform', '--backend', value],
        ['conform', '--profile', value],
        ['conform', '--format', value],
        ['conform', '--list', '--filter', value],
        ['run', value],
        ['explore', '--port', value], // None of these is a port, so no server starts.
        ['explore', value, '--port', '65536'],
        ['explore', '--backend', value, '--port', '65536'],
      ]) {
        const r = await run(args);
        assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `${JSON.stringify(args)} exited ${r.code}`);
        if (r.code === 2) assert.match(r.stderr, /^gmem( \w+)?: /, `${JSON.stringify(args)}: ${r.stderr.slice(0, 200)}`);
      }
    }
  });
});

describe('gmem arguments', () => {
  it('--help prints the usage (golden) and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    golden('help.txt', r.stdout);
  });
  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    assert.equal(r.stdout, `gmem ${pkg.version}\n`);
  });
  it('no command, an unknown command, an unknown option or a stray argument exit 2 with the reason', async () => {
    for (const [args, pattern] of [
      [[], /a command is required/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['probe', '--frob'], /unknown option --frob/],
      [['probe', 'extra'], /unexpected argument "extra"/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
  });
});
