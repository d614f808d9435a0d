/**
 * The runner treats only the API's argument refusals (Node's ERR_INVALID_ARG_TYPE,
 * ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE) as "the API refused the arguments"; a TypeError or
 * RangeError from anywhere else is a bug and fails the run loudly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isArgumentError } from '../../src/args.js';
import { ModelGuestMemfd } from '../../src/model/guestMemfd/handle.js';
import { openModel } from '../../src/open.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { runInstance } from '../../src/scenario/runner.js';

function instance(allocate: Record<string, unknown>) {
  const [one] = scenarioInstances({
    name: 'runner.errors',
    description: 'a file and one fallocate',
    source: 'test',
    steps: [
      { do: 'createVm', as: 'vm' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096 },
      { do: 'allocate', file: 'f', ...allocate },
    ],
  });
  return one!;
}

describe('scenario runner errors', () => {
  it('reports an argument refusal as not run, with the code the API gave it', () => {
    using kvm = openModel();
    const report = runInstance(kvm, instance({ offset: 0, len: 4096 }));
    assert.equal(report.status, 'pass');
    const file = kvm.createVm().createGuestMemfd({ size: 4096 });
    assert.throws(() => file.allocate(-1, 4096), (err: unknown) => isArgumentError(err) && err.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => file.allocate('0' as never, 4096), (err: unknown) => isArgumentError(err) && err.code === 'ERR_INVALID_ARG_TYPE');
  });

  it('a TypeError from a bug inside a model rule fails the run instead of passing as a refusal', () => {
    const original = Object.getOwnPropertyDescriptor(ModelGuestMemfd.prototype, 'fallocate')!;
    // A rule with a bug: reading a field of undefined, as a typo in the model would.
    Object.defineProperty(ModelGuestMemfd.prototype, 'fallocate', {
      ...original,
      value(): void {
        (undefined as unknown as { pages: number }).pages;
      },
    });
    try {
      using kvm = openModel();
      assert.throws(() => runInstance(kvm, instance({ offset: 0, len: 4096 })), (err: unknown) => err instanceof TypeError && !isArgumentError(err));
    } finally {
      Object.defineProperty(ModelGuestMemfd.prototype, 'fallocate', original);
    }
  });

  it('a RangeError that is not an argument refusal fails the run too', () => {
    const original = Object.getOwnPropertyDescriptor(ModelGuestMemfd.prototype, 'fallocate')!;
    Object.defineProperty(ModelGuestMemfd.prototype, 'fallocate', {
      ...original,
      value(): void {
        throw new RangeError('Invalid array length'); // As `new Array(-1)` in a rule would.
      },
    });
    try {
      using kvm = openModel();
      assert.throws(() => runInstance(kvm, instance({ offset: 0, len: 4096 })), /Invalid array length/);
    } finally {
      Object.defineProperty(ModelGuestMemfd.prototype, 'fallocate', original);
    }
  });
});
