/** The pieces of gmem vm that need no QEMU: names, the console protocol, cpio, kernel and module checks. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chooseAcceleration } from '../../src/vm/accel.js';
import { CpioWriter } from '../../src/vm/cpio.js';
import { resolveDebian, type DebianCandidate } from '../../src/vm/debianKernels.js';
import { unmetOptions } from '../../src/vm/kernelBuild.js';
import { buildKernel } from '../../src/vm/kernelBuild.js';
import { compareVersions, entryMatches, entryName, parseKernelName, versionMatches, type KernelEntry } from '../../src/vm/kernelEntry.js';
import { formatMatrix, parseMatrixOutput, FUZZ_SEPARATOR, type MatrixRow } from '../../src/vm/matrix.js';
import { NotAKernelError, readKernelImage } from '../../src/vm/kernelImage.js';
import { kvmModules, moduleDepends, ModulesError } from '../../src/vm/kvmModules.js';
import { kernelCacheDir } from '../../src/vm/paths.js';
import { parseGuestLine, shellQuote } from '../../src/vm/protocol.js';
import { commandParameter, memoryArgs } from '../../src/vm/qemu.js';
import { which } from '../../src/vm/run.js';
import { fakeBzImage, fakeModule } from './fakes.js';

const scratch = mkdtempSync(join(tmpdir(), 'gmem-vm-units-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('kernel names and versions', () => {
  it('debian:7.3 names a source and a version prefix; other text is no name', () => {
    assert.deepEqual(parseKernelName('debian:7.3'), { source: 'debian', version: '7.3' });
    assert.deepEqual(parseKernelName('debian:6.12.117'), { source: 'debian', version: '6.12.117' });
    assert.equal(parseKernelName('/boot/vmlinuz'), undefined);
    assert.equal(parseKernelName('debian:latest'), undefined);
  });
  it('7.3 matches 7.3.4 but not 7.30; versions compare numerically', () => {
    assert.ok(versionMatches('7.3.4', '7.3'));
    assert.ok(versionMatches('7.3', '7.3'));
    assert.ok(!versionMatches('7.30.1', '7.3'));
    assert.ok(compareVersions('7.10', '7.9') > 0);
    assert.equal(compareVersions('6.18', '6.18.0'), 0);
  });
  it('resolving picks the newest package of the wanted series', () => {
    const c = (version: string, suite: string): DebianCandidate => ({ release: `${version}+deb13-cloud-amd64`, version, image: `linux-image-${version}`, packageVersion: `${version}-1`, suite });
    const candidates = [c('7.3.4', 'trixie-backports'), c('7.2.13', 'sid'), c('7.2.9', 'trixie-backports'), c('6.12.117', 'trixie')];
    assert.equal(resolveDebian(candidates, '7.2')?.version, '7.2.13');
    assert.equal(resolveDebian(candidates, '6.12')?.suite, 'trixie');
    assert.equal(resolveDebian(candidates, '5.10'), undefined);
  });
  it('the cache is GMEM_KERNEL_CACHE, else XDG_CACHE_HOME/gmem/kernels', () => {
    assert.equal(kernelCacheDir({ GMEM_KERNEL_CACHE: '/x/k', XDG_CACHE_HOME: '/y' }), '/x/k');
    assert.equal(kernelCacheDir({ XDG_CACHE_HOME: '/y' }), '/y/gmem/kernels');
    assert.match(kernelCacheDir({}), /\/\.cache\/gmem\/kernels$/);
  });
});

describe('the guest console protocol', () => {
  it('finds a marker anywhere in a line, with a carriage return', () => {
    assert.deepEqual(parseGuestLine('[    3.1] x @@gmem-vm exit 7\r'), { kind: 'exit', status: 7 });
    assert.deepEqual(parseGuestLine('@@gmem-vm uname 7.3.4+deb13-cloud-amd64'), { kind: 'uname', release: '7.3.4+deb13-cloud-amd64' });
    assert.equal(parseGuestLine('@@gmem-vm exit nope'), undefined);
    assert.equal(parseGuestLine('Kernel panic - not syncing'), undefined);
  });
  it('quotes arguments so the guest shell sees them unchanged', () => {
    const argv = ['gmem', 'conform', '--filter', 'create.*', "it's", 'a b', ''];
    const r = spawnSync('sh', ['-c', `set -- ${shellQuote(argv)}; printf '%s\\n' "$@"`], { encoding: 'utf8' });
    assert.equal(r.stdout, argv.join('\n') + '\n');
  });
  it('--numa N gives QEMU one RAM backend per node, the shares adding up to -m, the vCPU on node 0', () => {
    assert.deepEqual(memoryArgs(1536), ['-m', '1536']);
    const args = memoryArgs(1537, 2);
    assert.deepEqual(args, [
      '-m', '1537',
      '-object', 'memory-backend-ram,id=gmemnode0,size=769M', '-numa', 'node,nodeid=0,memdev=gmemnode0,cpus=0',
      '-object', 'memory-backend-ram,id=gmemnode1,size=768M', '-numa', 'node,nodeid=1,memdev=gmemnode1',
    ]);
    assert.throws(() => memoryArgs(100, 2), /too little for 2 NUMA nodes/);
    assert.throws(() => memoryArgs(1536, 9), RangeError);
    assert.throws(() => memoryArgs(1536, 0), RangeError);
  });
  it('a command too long for the kernel command line is a RangeError', () => {
    assert.match(commandParameter(['true']), /^gmem\.cmd=[A-Za-z0-9+/=]+$/);
    assert.throws(() => commandParameter(['echo', 'x'.repeat(3000)]), RangeError);
  });
});

describe('the cpio writer', () => {
  it('writes an archive busybox cpio lists and extracts byte for byte', (t) => {
    const busybox = which('busybox');
    if (!busybox) return t.skip('busybox is not installed (apt-get install busybox-static)');
    const file = join(scratch, 'test.cpio');
    const cpio = new CpioWriter(file);
    cpio.file('a/b/c.txt', Buffer.from('hello'), 0o644);
    cpio.file('a/odd', Buffer.from('12345'), 0o755);
    cpio.symlink('a/link', 'b/c.txt');
    cpio.close();
    const list = spawnSync(busybox, ['cpio', '-t', '-F', file], { encoding: 'utf8' });
    assert.deepEqual(list.stdout.trim().split('\n'), ['a', 'a/b', 'a/b/c.txt', 'a/odd', 'a/link']);
    const out = join(scratch, 'x');
    const ex = spawnSync('sh', ['-c', `mkdir -p ${out} && cd ${out} && ${busybox} cpio -i -d -F ${file} && cat a/link a/odd`], { encoding: 'utf8' });
    assert.equal(ex.stdout, 'hello12345');
  });
});

describe('kernel image and modules checks', () => {
  it('a file that is not a kernel is refused, naming the missing boot header', () => {
    const file = join(scratch, 'not-a-kernel');
    writeFileSync(file, 'just text\n'.repeat(200));
    assert.throws(() => readKernelImage(file), (e: Error) => e instanceof NotAKernelError && /not an x86 kernel image.*HdrS/.test(e.message));
    assert.throws(() => readKernelImage(join(scratch, 'nothing')), /does not exist/);
  });
  it('the release comes from the image header', () => {
    const file = join(scratch, 'vmlinuz');
    fakeBzImage(file, '7.9.1-test');
    assert.equal(readKernelImage(file).release, '7.9.1-test');
  });
  it('modules load dependencies first, read from each module', () => {
    const tree = join(scratch, 'modules-ok');
    fakeModule(join(tree, 'kernel/virt/lib/irqbypass.ko'), 'irqbypass', []);
    fakeModule(join(tree, 'kernel/arch/x86/kvm/kvm.ko'), 'kvm', ['irqbypass']);
    fakeModule(join(tree, 'kernel/arch/x86/kvm/kvm-amd.ko'), 'kvm_amd', ['kvm']);
    const r = kvmModules(tree);
    assert.deepEqual(r.modules.map((m) => m.name), ['irqbypass', 'kvm', 'kvm_amd']);
    assert.deepEqual(moduleDepends(r.modules[2]!.data), ['kvm']);
  });
  it('a missing modules tree and a tree without KVM are clear errors', () => {
    assert.throws(() => kvmModules(join(scratch, 'no-such-tree')), (e: Error) => e instanceof ModulesError && /does not exist/.test(e.message));
    const tree = join(scratch, 'modules-nokvm');
    fakeModule(join(tree, 'kernel/fs/foo.ko'), 'foo', []);
    assert.throws(() => kvmModules(tree), (e: Error) => e instanceof ModulesError && /no kvm-amd module/.test(e.message));
  });
});

describe('acceleration', () => {
  it('GMEM_VM_ACCEL=tcg forces one vCPU of TCG with SVM and nested paging', () => {
    const a = chooseAcceleration({ GMEM_VM_ACCEL: 'tcg' });
    assert.equal(a.kind, 'tcg');
    assert.deepEqual(a.qemuArgs, ['-accel', 'tcg', '-cpu', 'EPYC,+svm,+npt', '-smp', '1']);
  });
  it('says why it chose what it chose', () => {
    assert.ok(chooseAcceleration({}).reason.length > 10);
  });
});

describe('a build with a local version', () => {
  const entry = (localversion?: string): KernelEntry => ({
    id: `build-7.3.4${localversion ?? ''}`,
    source: 'build',
    release: `7.3.4${localversion ?? ''}`,
    version: '7.3.4',
    ...(localversion ? { localversion } : {}),
    kernel: 'bzImage',
    modules: null,
    createdAt: '2026-11-30T00:00:00.000Z',
  });
  it('is named build:7.3.4-gmem-inplace, and only that name (not build:7.3.4) finds it', () => {
    const name = parseKernelName('build:7.3.4-gmem-inplace')!;
    assert.deepEqual(name, { source: 'build', version: '7.3.4', localversion: '-gmem-inplace' });
    assert.equal(entryName(entry('-gmem-inplace')), 'build:7.3.4-gmem-inplace');
    assert.equal(entryName(entry()), 'build:7.3.4');
    assert.equal(entryMatches(entry('-gmem-inplace'), name), true);
    assert.equal(entryMatches(entry(), name), false);
    assert.equal(entryMatches(entry('-gmem-inplace'), parseKernelName('build:7.3')!), false);
    assert.equal(entryMatches(entry(), parseKernelName('build:7.3')!), true);
    assert.equal(parseKernelName('debian:7.3-gmem'), undefined, 'Debian kernels have no local version of ours');
  });
  it('a local version that cannot be part of a release is refused before the tree is even looked at', async () => {
    await assert.rejects(buildKernel(scratch, join(scratch, 'no-tree'), () => {}, 1, 'gmem inplace'), /local version "gmem inplace" must be a dash followed by/);
    await assert.rejects(buildKernel(scratch, join(scratch, 'no-tree'), () => {}, 1, '-gmem'), /is not a Linux source tree/);
  });
});

describe('kernel builds and the matrix', () => {
  it('an option the final .config dropped is reported; =n is met by its absence', () => {
    const fragment = 'CONFIG_KVM=y\nCONFIG_KVM_SW_PROTECTED_VM=y\nCONFIG_MODULES=n\n# comment\n';
    assert.deepEqual(unmetOptions(fragment, 'CONFIG_KVM=y\n# CONFIG_MODULES is not set\n'), ['CONFIG_KVM_SW_PROTECTED_VM=y']);
    assert.deepEqual(unmetOptions(fragment, 'CONFIG_KVM=y\nCONFIG_KVM_SW_PROTECTED_VM=y\nCONFIG_MODULES=y\n'), ['CONFIG_MODULES=n']);
  });
  it('a row takes the kernel counts from conform JSON and the fuzz totals from its closing line', () => {
    const conform = JSON.stringify({
      profile: 'profile linux-7.3: matches this kernel (7.3.4)',
      runs: [{ backend: 'model (x)', summary: { pass: 9, fail: 0, skip: 1, 'known-divergence': 0 } }, { backend: 'kernel', summary: { pass: 7, fail: 1, skip: 1, 'known-divergence': 1 } }],
      disagreements: [{ divergence: 'pvm-x' }, {}],
    });
    const fuzz = 'fuzz: seed 1\nsequences run: 10, operations run: 500, disagreements found: 0 (known divergences met: none) in 2.0 s\n';
    const row: MatrixRow = { kernel: '7.3.4', vmTypes: 'DEFAULT', wallSeconds: 30, status: 'ok' };
    parseMatrixOutput(`${conform}\n${FUZZ_SEPARATOR}\n${fuzz}`, row);
    assert.deepEqual(row.kernelCounts, { pass: 7, fail: 1, skip: 1, 'known-divergence': 1 });
    assert.equal(row.disagreements, 2);
    assert.equal(row.undocumentedDisagreements, 1);
    assert.equal(row.fuzzOperations, 500);
    assert.match(formatMatrix([row]), /\| 7\.3\.4 +\| DEFAULT +\| linux-7\.3 +\| 7 +\| 1 +\| 1 +\| 1 +\| 2 \(1\) +\| 500 \(250\) +\| 0 +\| 30 s \| ok +\|/);
  });
});
