/**
 * The scenario validator the build writes out as code (scripts/build-validator.mjs) is the one a
 * process uses, and it answers as the validator compiled at run time does: the same verdict and
 * the same errors for every catalog file and for malformed scenarios.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { catalogFiles } from '../../src/conformance/catalog.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { scenarioAjv, scenarioValidator, schemaDigest, type Validate } from '../../src/scenario/validator.js';

const MALFORMED: unknown[] = [
  {},
  { name: 'x', steps: [] },
  { name: 'Bad Name', steps: [{ do: 'createVm', as: 'vm' }] },
  { name: 'x', steps: [{ do: 'createVm', as: 'vm' }, { do: 'punchHole', file: 'vm', offset: 'lots', len: 1 }] },
  { name: 'x', steps: [{ do: 'creatVm', as: 'vm' }] },
  { name: 'x', steps: [{ do: 'createVm', as: 'vm', extra: 1 }] },
  { name: 'x', steps: [{ do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096, expect: { errno: 'EINVAL', bogus: true } }] },
  { name: 'x', matrix: { t: [] }, steps: [{ do: 'createVm', as: 'vm' }] },
];

function answer(validate: Validate, data: unknown): { valid: boolean; errors: unknown } {
  const valid = validate(data);
  return { valid, errors: valid ? null : structuredClone(validate.errors) };
}

describe('scenario validator', () => {
  const generated = scenarioValidator() as Validate & { schemaDigest?: string };
  const compiled = scenarioAjv().compile(scenarioSchema() as object);

  it('is the code the build wrote from the current schema, not one compiled at run time', () => {
    assert.equal(generated.schemaDigest, schemaDigest(), 'dist/src/scenario/scenarioValidator.generated.cjs is missing or stale: npm run build');
  });

  it('answers every catalog file and every malformed scenario as the compiled validator does', () => {
    const files = catalogFiles();
    assert.ok(files.length > 20, `${files.length} catalog files`);
    for (const file of files) {
      const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      assert.deepEqual(answer(generated, data), answer(compiled, data), file);
      assert.equal(answer(generated, data).valid, true, file);
    }
    for (const data of MALFORMED) {
      const got = answer(generated, data);
      assert.equal(got.valid, false, JSON.stringify(data));
      assert.deepEqual(got, answer(compiled, data), JSON.stringify(data));
    }
  });
});
