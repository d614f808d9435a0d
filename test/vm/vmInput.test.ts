/**
 * gmem vm and gmem kernels on bad input: each a clear message and exit status 2, before any QEMU
 * starts. The command lines run in one child process (runGmemBatch: one node start, not one
 * each), under a private TMPDIR and kernel cache.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeBzImage, fakeModule } from './fakes.js';
import { qemuProcessesMentioning } from './guestProcesses.js';
import { runGmemBatch } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'gmem-vm-input-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const kernel = join(scratch, 'vmlinuz-7.9.1-test');
fakeBzImage(kernel, '7.9.1-test');
const notAKernel = join(scratch, 'notes.txt');
writeFileSync(notAKernel, 'not a kernel\n'.repeat(100));
const noKvmTree = join(scratch, 'nokvm/7.9.1-test');
fakeModule(join(noKvmTree, 'kernel/fs/ext4.ko'), 'ext4', []);
const otherTree = join(scratch, 'other/7.9.2-test');
fakeModule(join(otherTree, 'kvm-amd.ko'), 'kvm_amd', []);

/** Each command line, what it is, and what its message must say. */
const VM_CASES: { name: string; args: string[]; env?: Record<string, string>; stderr: RegExp }[] = [
  { name: 'a file that is not a kernel', args: ['--kernel', notAKernel], stderr: /notes\.txt is not an x86 kernel image \(bzImage\/vmlinuz\): no "HdrS" boot header/ },
  { name: 'a kernel file that does not exist', args: ['--kernel', join(scratch, 'missing')], stderr: /missing does not exist/ },
  { name: 'a missing modules tree', args: ['--kernel', kernel, '--modules', join(scratch, 'lib/modules/7.9.1-test')], stderr: /modules tree .*7\.9\.1-test does not exist/ },
  { name: 'a modules tree without KVM: the kernel has no KVM to load', args: ['--kernel', kernel, '--modules', noKvmTree], stderr: /has no kvm-amd module \(nor kvm-intel\): this kernel has no KVM as modules/ },
  { name: "modules of another release than the kernel's", args: ['--kernel', kernel, '--modules', otherTree], stderr: /are for 7\.9\.2-test, but .* is 7\.9\.1-test/ },
  { name: 'a cached-kernel name that is not cached says how to fetch it', args: ['--kernel', 'debian:7.3'], stderr: /no cached kernel matches debian:7\.3 .*gmem kernels get debian:7\.3/ },
  { name: 'QEMU missing says how to install it', args: ['--kernel', kernel], env: { GMEM_QEMU: join(scratch, 'no-qemu-here') }, stderr: /is not installed: install QEMU with `apt-get install qemu-system-x86`/ },
  { name: 'no --kernel', args: [], stderr: /--kernel IMAGE is required/ },
  { name: 'an unknown option', args: ['--kernel', kernel, '--frob'], stderr: /unknown option "--frob"/ },
  { name: 'nothing after --', args: ['--kernel', kernel, '--'], stderr: /nothing after --/ },
  { name: 'a bad --timeout', args: ['--kernel', kernel, '--timeout', '-3'], stderr: /--timeout needs a positive number/ },
  { name: 'a bad --memory', args: ['--kernel', kernel, '--memory', 'lots'], stderr: /--memory needs a positive number/ },
  { name: 'a fractional --numa', args: ['--kernel', kernel, '--numa', '1.5'], stderr: /--numa needs a whole number of nodes from 1 to 8/ },
  { name: 'too many --numa nodes', args: ['--kernel', kernel, '--numa', '9'], stderr: /--numa needs a whole number of nodes from 1 to 8/ },
  { name: 'too little --memory for the --numa nodes', args: ['--kernel', kernel, '--memory', '100', '--numa', '2'], stderr: /100 MiB is too little for 2 NUMA nodes/ },
  { name: 'a command too long for the kernel command line', args: ['--kernel', kernel, '--', 'echo', 'x'.repeat(3000)], stderr: /the command is too long for the kernel command line/ },
];
const KERNELS_CASES: { name: string; args: string[]; status: number; stdout?: RegExp; stderr?: RegExp }[] = [
  { name: 'list on an empty cache says how to fetch one', args: ['list'], status: 0, stdout: /no kernels cached in .*gmem kernels get debian:7\.3/ },
  { name: 'get wants a name like debian:7.3', args: ['get', 'ubuntu:24.04'], status: 2, stderr: /give one name like debian:7\.3/ },
  { name: 'an unknown subcommand prints the usage', args: ['fetch'], status: 2, stderr: /unknown subcommand "fetch"[\s\S]*Usage: gmem kernels/ },
  { name: 'build refuses the --localversion "gmem" before any make', args: ['build', '--source', scratch, '--localversion', 'gmem'], status: 2, stderr: /--localversion wants a dash followed by letters, digits, dots or dashes/ },
  { name: 'build refuses the --localversion "-" before any make', args: ['build', '--source', scratch, '--localversion', '-'], status: 2, stderr: /--localversion wants a dash followed by letters, digits, dots or dashes/ },
  { name: 'build refuses the --localversion "-a b" before any make', args: ['build', '--source', scratch, '--localversion', '-a b'], status: 2, stderr: /--localversion wants a dash followed by letters, digits, dots or dashes/ },
  { name: 'build refuses the --localversion "-x/y" before any make', args: ['build', '--source', scratch, '--localversion', '-x/y'], status: 2, stderr: /--localversion wants a dash followed by letters, digits, dots or dashes/ },
];

const results = runGmemBatch(
  [...VM_CASES.map((c) => ({ args: ['vm', ...c.args], ...(c.env ? { env: c.env } : {}) })), ...KERNELS_CASES.map((c) => ({ args: ['kernels', ...c.args] }))],
  { ...process.env, TMPDIR: scratch, GMEM_KERNEL_CACHE: join(scratch, 'cache') },
);

describe('gmem vm refuses bad input before booting', () => {
  VM_CASES.forEach((c, i) => {
    it(c.name, () => {
      const r = results[i]!;
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.stderr);
    });
  });
  it('none of these left a QEMU process or a socket directory behind', () => {
    assert.deepEqual(readdirSync(scratch).filter((n) => n.startsWith('gmem-vm-')), []);
    assert.deepEqual(qemuProcessesMentioning(scratch), []);
  });
});

describe('gmem kernels', () => {
  KERNELS_CASES.forEach((c, i) => {
    it(c.name, () => {
      const r = results[VM_CASES.length + i]!;
      assert.equal(r.status, c.status, r.stderr);
      if (c.stdout) assert.match(r.stdout, c.stdout);
      if (c.stderr) assert.match(r.stderr, c.stderr);
    });
  });
});
