/**
 * The loop checks (src/conformance/codeChecks.ts) capture no stack for the refusals they count,
 * but a bug under them (anything but a KvmError) is still thrown with the stack that shows where
 * it came from, and the stack limit is put back either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kvm } from '../../src/api.js';
import { codeChecks } from '../../src/conformance/codeChecks.js';

describe('code checks', () => {
  it('a bug under a loop check is thrown with its stack, and the stack limit is restored', () => {
    const check = codeChecks().find((c) => c.id.startsWith('selftest.invalid_sizes['))!;
    const buggy = {
      createVm: () => ({
        createGuestMemfd: function ruleWithABug(): never {
          throw new TypeError('a bug in a rule');
        },
        close: () => undefined,
      }),
    } as unknown as Kvm;
    const limit = Error.stackTraceLimit;
    assert.throws(() => check.run(buggy), (err: Error) => err instanceof TypeError && /a bug in a rule/.test(err.message) && /ruleWithABug/.test(err.stack ?? ''));
    assert.equal(Error.stackTraceLimit, limit);
  });
});
