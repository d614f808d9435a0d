/**
 * Long-term pins on the kernel backend through gup_test (CONFIG_GUP_TEST's debugfs file), against
 * the kernel double: a pin makes the kernel's conversion EAGAIN at the pinned page, every pin is
 * released on release() and when its file closes (no gup_test file or mapping left behind), and a
 * kernel without gup_test gets an UnsupportedError that says why, with nothing opened.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UnsupportedError } from '../../src/errors.js';
import { GupTestPins } from '../../src/kernel/gupPins.js';
import type { NativeAddon } from '../../src/kernel/native.js';
import { GUP_TEST_IOCTLS } from '../../src/uapi/gupTest.js';
import { KernelDouble, V13_DEFAULT_BUILD, doubleKvm, inPlaceParameterFile } from './fixtures/kernelDouble.js';
import { expectCode } from '../helpers.js';

const PAGE = 4096;
const dir = mkdtempSync(join(tmpdir(), 'gmem-gup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const parameter = inPlaceParameterFile('Y');
const gupTest = join(dir, 'gup_test');
writeFileSync(gupTest, '');

function setup(gupTestPath = gupTest) {
  const double = new KernelDouble(V13_DEFAULT_BUILD);
  const kvm = doubleKvm(double, { inPlaceParameterPath: parameter, gupTestPath });
  const file = kvm.createVm('KVM_X86_SW_PROTECTED_VM').createGuestMemfd({ size: 4 * PAGE, flags: 3 });
  return { double, kvm, file };
}

/**
 * What GupTestPins says of `path` for an unprivileged process: this one, or (root passes every
 * permission check) a child switched to nobody; null when it cannot switch.
 */
function unavailableFor(path: string): string | undefined | null {
  if (process.getuid?.() !== 0) return new GupTestPins({} as NativeAddon, path).unavailable;
  const module = new URL('../../src/kernel/gupPins.js', import.meta.url).href;
  const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(JSON.stringify({ why: new m.GupTestPins({}, ${JSON.stringify(path)}).unavailable ?? null })))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  if (r.error) return null; // No right to switch users (EPERM): nothing ran.
  if (r.status !== 0) throw new Error(`the child asking as nobody failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { why: string | null }).why ?? undefined;
}

describe('kernel backend pins through gup_test', () => {
  it('a pin makes converting the range EAGAIN at the pinned page; after release the range converts', () => {
    const { double, kvm, file } = setup();
    assert.equal(kvm.features().pins, true);
    const pin = file.pins!.pin(2 * PAGE, PAGE);
    assert.deepEqual([pin.offset, pin.length, pin.released], [BigInt(2 * PAGE), BigInt(PAGE), false]);
    assert.deepEqual([...double.pinned], [BigInt(2 * PAGE)], 'the kernel pinned exactly that page');
    assert.equal(double.liveMappings(), 0, 'the mapping used to pin is gone; the pin holds the page');
    assert.equal(expectCode(() => file.conversion!.toPrivate(0, 4 * PAGE), 'EAGAIN').errorOffset, BigInt(2 * PAGE));
    pin.release();
    assert.equal(pin.released, true);
    assert.equal(double.issued(GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_STOP).length, 1);
    assert.equal(double.openGupFiles(), 0);
    file.conversion!.toPrivate(0, 4 * PAGE);
    pin.release(); // Idempotent: nothing more is issued.
    assert.equal(double.issued(GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_STOP).length, 1);
  });

  it('each pin owns a gup_test file; closing the guest_memfd releases the pins it still has', () => {
    const { double, file } = setup();
    const a = file.pins!.pin(0, PAGE);
    const b = file.pins!.pin(PAGE, 2 * PAGE);
    assert.equal(double.openGupFiles(), 2);
    assert.equal(double.pinned.size, 3);
    file.close();
    assert.equal(a.released && b.released, true);
    assert.equal(double.openGupFiles(), 0);
    assert.equal(double.pinned.size, 0);
  });

  it("the kernel's refusal of START comes back as its errno, with the gup_test file closed and the mapping gone", () => {
    const { double, file } = setup();
    double.refuseNext.pinStart = 'EFAULT'; // As for a private page: pin_user_pages cannot fault it in.
    expectCode(() => file.pins!.pin(0, PAGE), 'EFAULT');
    assert.equal(double.issued(GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_START).length, 1, 'the kernel was asked');
    assert.equal(double.openGupFiles(), 0);
    assert.equal(double.liveMappings(), 0);
    assert.equal(double.pinned.size, 0);
    file.pins!.pin(0, PAGE).release(); // Nothing was left half-done.
  });

  it('a gup_test file that cannot be opened is its errno, with the mapping gone and nothing pinned', () => {
    const { double, file } = setup();
    double.refuseNext.openGupTest = 'EACCES';
    expectCode(() => file.pins!.pin(0, PAGE), 'EACCES');
    assert.equal(double.issued(GUP_TEST_IOCTLS.byName.PIN_LONGTERM_TEST_START).length, 0);
    assert.equal(double.liveMappings(), 0);
    assert.equal(double.pinned.size, 0);
  });

  it('a failed munmap after the pin is reported, and the pin it would leave behind is released', () => {
    const { double, file } = setup();
    double.refuseNext.munmap = 'EINVAL';
    expectCode(() => file.pins!.pin(PAGE, PAGE), 'EINVAL');
    assert.equal(double.openGupFiles(), 0, 'the gup_test file was closed, which unpins');
    assert.equal(double.pinned.size, 0);
    file.conversion!.toPrivate(0, 4 * PAGE); // The page is not held.
  });

  it("after the kernel's refusal of START, a failed munmap does not replace the kernel's answer", () => {
    const { double, file } = setup();
    double.refuseNext.pinStart = 'EFAULT';
    double.refuseNext.munmap = 'EINVAL';
    expectCode(() => file.pins!.pin(0, PAGE), 'EFAULT');
    assert.equal(double.openGupFiles(), 0);
    assert.equal(double.pinned.size, 0);
  });

  it('a range the handle layer refuses never reaches the kernel', () => {
    const { double, file } = setup();
    const calls = double.calls.length;
    expectCode(() => file.pins!.pin(0, PAGE + 1), 'EINVAL'); // Page-aligned, non-empty, inside the file.
    assert.equal(double.calls.length, calls);
    assert.equal(double.liveMappings(), 0);
  });

  it('a gup_test file that exists but is closed to this process is named as such, not as a missing CONFIG_GUP_TEST', (t) => {
    const closedDir = mkdtempSync(join(tmpdir(), 'gmem-gup-closed-'));
    after(() => rmSync(closedDir, { recursive: true, force: true }));
    chmodSync(closedDir, 0o755);
    const closed = join(closedDir, 'gup_test');
    writeFileSync(closed, '', { mode: 0o600 });
    const why = unavailableFor(closed);
    if (why === null) return t.skip('running as root, and this process cannot switch to an unprivileged user (nobody) to ask as one');
    assert.match(why ?? '', /EACCES/);
    assert.match(why ?? '', /rights/);
    assert.doesNotMatch(why ?? '', /CONFIG_GUP_TEST/);
  });

  it('without gup_test: features().pins is false and pin() says why, having opened and mapped nothing', () => {
    const { double, kvm, file } = setup(join(dir, 'no-debugfs', 'gup_test'));
    assert.equal(kvm.features().pins, false);
    const calls = double.calls.length;
    assert.throws(
      () => file.pins!.pin(0, PAGE),
      (err: unknown) => err instanceof UnsupportedError && /CONFIG_GUP_TEST/.test(err.message) && /debugfs/.test(err.message),
    );
    assert.equal(double.calls.length, calls);
    assert.equal(double.liveMappings(), 0);
  });
});
