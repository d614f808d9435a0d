/**
 * Long-term pins on the kernel backend through gup_test (CONFIG_GUP_TEST's debugfs file), against
 * the kernel double: a pin makes the kernel's conversion EAGAIN at the pinned page, every pin is
 * released on release() and when its file closes (no gup_test file or mapping left behind), and a
 * kernel without gup_test gets an UnsupportedError that says why, with nothing opened.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UnsupportedError } from '../../src/errors.js';
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

  it("the kernel's refusal comes back as its errno, with no gup_test file or mapping left", () => {
    const { double, file } = setup();
    expectCode(() => file.pins!.pin(0, PAGE + 1), 'EINVAL'); // gup_test wants a page-aligned size.
    assert.equal(double.openGupFiles(), 0);
    assert.equal(double.liveMappings(), 0);
    assert.equal(double.pinned.size, 0);
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
