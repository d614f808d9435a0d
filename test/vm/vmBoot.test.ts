/**
 * gmem vm booting a real cached kernel under QEMU: a short conform inside, the command's exit
 * status passed through, a guest without KVM, --timeout, and SIGTERM to gmem; after each, no
 * QEMU process is left. Skips with the reason when no kernel is cached or QEMU is missing
 * (npm test downloads nothing; .ci/run fetches a kernel); GMEM_REQUIRE_VM=1 makes that a failure.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { entryPath, listEntries, type KernelEntry } from '../../src/vm/kernelEntry.js';
import { kernelCacheDir } from '../../src/vm/paths.js';
import { which } from '../../src/vm/run.js';
import { qemuProcessesMentioning } from './guestProcesses.js';

const GMEM = fileURLToPath(new URL('../../../bin/gmem.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gmem-vm-boot-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A cached Debian kernel with modules, 7.3 preferred (the one .ci/run fetches). */
function pickKernel(): KernelEntry | undefined {
  const entries = listEntries(kernelCacheDir()).filter((e) => e.source === 'debian' && e.modules);
  return entries.find((e) => e.version.startsWith('7.3')) ?? entries[0];
}

const kernel = pickKernel();
const unavailable = !which(process.env.GMEM_QEMU ?? 'qemu-system-x86_64')
  ? 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)'
  : !kernel
    ? `no Debian kernel is cached in ${kernelCacheDir()} (gmem kernels get debian:7.3)`
    : undefined;

/** Skips the test with the reason, or fails it under GMEM_REQUIRE_VM=1. */
function needsVm(t: TestContext): boolean {
  if (!unavailable) return true;
  if (process.env.GMEM_REQUIRE_VM === '1') assert.fail(`GMEM_REQUIRE_VM=1, but ${unavailable}`);
  t.skip(unavailable);
  return false;
}

const env = { ...process.env, TMPDIR: scratch };

function gmemVm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [GMEM, 'vm', '--kernel', `debian:${kernel!.version}`, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoQemuLeft(): void {
  assert.deepEqual(qemuProcessesMentioning(scratch), [], 'a QEMU process was left behind');
  assert.deepEqual(readdirSync(scratch).filter((n) => n.startsWith('gmem-vm-')), [], 'a socket directory was left behind');
}

describe('gmem vm on a cached kernel', { concurrency: false }, () => {
  it('runs a short conform inside: clean KTAP on stdout, the guest kernel reported, exit 0', (t) => {
    if (!needsVm(t)) return;
    const r = gmemVm(['--', 'gmem', 'conform', '--backend', 'both', '--filter', 'create.*', '--format', 'ktap']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^KTAP version 1\n1\.\.\d+\n/, 'stdout must be the KTAP document alone');
    assert.doesNotMatch(r.stdout, /\[\s*\d+\.\d+\]|@@gmem-vm/, 'no console noise in stdout');
    assert.match(r.stdout, /^\s+ok \d+ create\.sizes$/m);
    assert.match(r.stderr, new RegExp(`guest kernel ${kernel!.release.replace(/[.+]/g, '\\$&')}`));
    assert.match(r.stderr, /\/dev\/kvm: yes/);
    assert.match(r.stderr, /VM types: DEFAULT/);
    assertNoQemuLeft();
  });
  it("passes the command's exit status through, its stdout and stderr apart", (t) => {
    if (!needsVm(t)) return;
    const r = gmemVm(['--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 7']);
    assert.equal(r.status, 7, r.stderr);
    assert.equal(r.stdout, 'to-stdout\n');
    assert.match(r.stderr, /^to-stderr$/m);
    assert.match(r.stderr, /command exited with status 7/);
    assertNoQemuLeft();
  });
  it('a kernel whose KVM modules are not given: "kvm_amd did not load", exit 125', (t) => {
    if (!needsVm(t)) return;
    const image = entryPath(kernelCacheDir(), kernel!, kernel!.kernel);
    const r = spawnSync(process.execPath, [GMEM, 'vm', '--kernel', image, '--', 'true'], { encoding: 'utf8', env, timeout: 300_000 });
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, /no modules \(KVM must be built in\)/);
    assert.match(r.stderr, /kvm_amd did not load: no \/dev\/kvm in the guest/);
    assert.match(r.stderr, /no KVM modules were given \(--modules\) and this kernel has no KVM built in/);
    assertNoQemuLeft();
  });
  it('a guest kernel panic ends with the panic lines and exit 125', (t) => {
    if (!needsVm(t)) return;
    const r = gmemVm(['--', 'sh', '-c', 'echo c > /proc/sysrq-trigger; sleep 60']);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, /the guest kernel panicked:\n(\s+\| .*\n)*\s+\| .*Kernel panic - not syncing: sysrq triggered crash/);
    assertNoQemuLeft();
  });
  it('--timeout 1 ends QEMU with a clear message and exit 124', (t) => {
    if (!needsVm(t)) return;
    const started = Date.now();
    const r = gmemVm(['--timeout', '1', '--', 'true']);
    assert.equal(r.status, 124, r.stderr);
    assert.match(r.stderr, /timed out after 1 s \(--timeout\); QEMU was ended/);
    assert.ok(Date.now() - started < 60_000, 'the timeout did not stop the run');
    assertNoQemuLeft();
  });
  it('SIGTERM to gmem ends QEMU too, and gmem exits 143', async (t) => {
    if (!needsVm(t)) return;
    const child = spawn(process.execPath, [GMEM, 'vm', '--kernel', `debian:${kernel!.version}`, '--', 'sleep', '600'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const booted = new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('running the command')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await Promise.race([booted, exited]);
    assert.ok(qemuProcessesMentioning(scratch).length > 0, `QEMU should be running: ${stderr}`);
    child.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    assert.match(stderr, /stopped by SIGTERM; QEMU was ended/);
    assertNoQemuLeft();
  });
});
