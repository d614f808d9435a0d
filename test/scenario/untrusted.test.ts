/**
 * Scenario files are untrusted data: a "$name" reference resolves only to the scenario's own
 * matrix keys, never to what every JavaScript object inherits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scenarioInstances } from '../../src/scenario/load.js';

describe('scenario references', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`"$${name}" in a u64 field is not a matrix key (not Object.prototype's ${name})`, () => {
      const steps = [{ do: 'createVm', as: 'vm' }, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: `$${name}` }];
      assert.throws(() => scenarioInstances({ name: 'proto', steps }), new RegExp(`"\\$${name}" is not a matrix key`));
      assert.throws(() => scenarioInstances({ name: 'proto', matrix: { a: [1] }, steps }), new RegExp(`"\\$${name}" is not a matrix key`));
    });
  }

  it('a matrix key that shadows an Object.prototype name is still the scenario\'s own value', () => {
    const [instance] = scenarioInstances({ name: 'own', matrix: { constructor: [8192] }, steps: [{ do: 'createVm', as: 'vm' }, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: '$constructor' }] });
    assert.equal((instance!.steps[1] as { size?: unknown }).size, 8192);
  });
});
