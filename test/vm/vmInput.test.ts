/** gmem vm and gmem kernels on bad input: each a clear message and exit status 2, before any QEMU starts. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fakeBzImage, fakeModule } from './fakes.js';
import { qemuProcessesMentioning } from './guestProcesses.js';

const GMEM = fileURLToPath(new URL('../../../bin/gmem.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gmem-vm-input-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function gmem(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [GMEM, ...args], { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch, GMEM_KERNEL_CACHE: join(scratch, 'cache'), ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const kernel = join(scratch, 'vmlinuz-7.9.1-test');
fakeBzImage(kernel, '7.9.1-test');

describe('gmem vm refuses bad input before booting', () => {
  it('a file that is not a kernel', () => {
    const file = join(scratch, 'notes.txt');
    writeFileSync(file, 'not a kernel\n'.repeat(100));
    const r = gmem(['vm', '--kernel', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /notes\.txt is not an x86 kernel image \(bzImage\/vmlinuz\): no "HdrS" boot header/);
  });
  it('a kernel file that does not exist', () => {
    const r = gmem(['vm', '--kernel', join(scratch, 'missing')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing does not exist/);
  });
  it('a missing modules tree', () => {
    const r = gmem(['vm', '--kernel', kernel, '--modules', join(scratch, 'lib/modules/7.9.1-test')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /modules tree .*7\.9\.1-test does not exist/);
  });
  it('a modules tree without KVM: the kernel has no KVM to load', () => {
    const tree = join(scratch, 'nokvm/7.9.1-test');
    fakeModule(join(tree, 'kernel/fs/ext4.ko'), 'ext4', []);
    const r = gmem(['vm', '--kernel', kernel, '--modules', tree]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /has no kvm-amd module \(nor kvm-intel\): this kernel has no KVM as modules/);
  });
  it("modules of another release than the kernel's", () => {
    const tree = join(scratch, 'other/7.9.2-test');
    fakeModule(join(tree, 'kvm-amd.ko'), 'kvm_amd', []);
    const r = gmem(['vm', '--kernel', kernel, '--modules', tree]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /are for 7\.9\.2-test, but .* is 7\.9\.1-test/);
  });
  it('a cached-kernel name that is not cached says how to fetch it', () => {
    const r = gmem(['vm', '--kernel', 'debian:7.3']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no cached kernel matches debian:7\.3 .*gmem kernels get debian:7\.3/);
  });
  it('QEMU missing says how to install it', () => {
    const r = gmem(['vm', '--kernel', kernel], { GMEM_QEMU: join(scratch, 'no-qemu-here') });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is not installed: install QEMU with `apt-get install qemu-system-x86`/);
  });
  it('no --kernel, an unknown option, nothing after --, a bad number', () => {
    for (const [args, pattern] of [
      [[], /--kernel IMAGE is required/],
      [['--kernel', kernel, '--frob'], /unknown option "--frob"/],
      [['--kernel', kernel, '--'], /nothing after --/],
      [['--kernel', kernel, '--timeout', '-3'], /--timeout needs a positive number/],
      [['--kernel', kernel, '--memory', 'lots'], /--memory needs a positive number/],
    ] as const) {
      const r = gmem(['vm', ...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, pattern);
    }
  });
  it('a command too long for the kernel command line', () => {
    const r = gmem(['vm', '--kernel', kernel, '--', 'echo', 'x'.repeat(3000)]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the command is too long for the kernel command line/);
  });
  it('none of these left a QEMU process or a socket directory behind', () => {
    assert.deepEqual(readdirSync(scratch).filter((n) => n.startsWith('gmem-vm-')), []);
    assert.deepEqual(qemuProcessesMentioning(scratch), []);
  });
});

describe('gmem kernels', () => {
  it('list on an empty cache says how to fetch one', () => {
    const r = gmem(['kernels', 'list']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /no kernels cached in .*gmem kernels get debian:7\.3/);
  });
  it('get wants a name like debian:7.3', () => {
    const r = gmem(['kernels', 'get', 'ubuntu:24.04']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /give one name like debian:7\.3/);
  });
  it('build refuses a --localversion that cannot be part of a release, before any make', () => {
    for (const bad of ['gmem', '-', '-a b', '-x/y']) {
      const r = gmem(['kernels', 'build', '--source', scratch, '--localversion', bad]);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /--localversion wants a dash followed by letters, digits, dots or dashes/);
    }
  });
  it('an unknown subcommand prints the usage', () => {
    const r = gmem(['kernels', 'fetch']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown subcommand "fetch"[\s\S]*Usage: gmem kernels/);
  });
});
