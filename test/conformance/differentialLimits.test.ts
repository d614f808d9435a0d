/**
 * A step a scenario limit stopped on one backend is where comparison ends: limits charge each
 * backend what it would really allocate (a kernel fallocate of a huge range would take real
 * pages, the model's takes none), so the fuzzer inside a small guest once reported 24 "findings"
 * that were only the kernel side's allocation limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareReports } from '../../src/conformance/differential.js';
import type { ScenarioReport, StepReport } from '../../src/scenario/runner.js';
import type { ScenarioInstance } from '../../src/scenario/types.js';

const instance = { id: 't', steps: [{ do: 'createVm', as: 'vm' }, { do: 'allocate', file: 'f', offset: 0, len: 1 }, { do: 'stat', file: 'f' }] } as unknown as ScenarioInstance;
const step = (index: number, outcome: StepReport['outcome'], limited = false): StepReport => ({
  index,
  do: 'x',
  expected: 'ok',
  outcome,
  ...(limited ? { limited: true as const } : {}),
});
const report = (steps: StepReport[]): ScenarioReport => ({ id: 't', status: 'pass', steps });

describe('the differential engine and scenario limits', () => {
  it('stops comparing at the first step a limit stopped on either side, with no disagreement', () => {
    const model = report([step(0, { ok: true }), step(1, { errno: 'EINVAL' }), step(2, { ok: true })]);
    const kernel = report([step(0, { ok: true }), step(1, { notRun: 'allocating up to ... exceeds the allocBytes limit' }, true)]);
    assert.deepEqual(compareReports(instance, model, kernel), { compared: 1, rows: [] });
    assert.deepEqual(compareReports(instance, kernel, model), { compared: 1, rows: [] });
  });
  it('a step that did not run for another reason is still a disagreement', () => {
    const model = report([step(0, { ok: true }), step(1, { errno: 'EINVAL' })]);
    const kernel = report([step(0, { ok: true }), step(1, { notRun: 'the API refused the arguments: ...' })]);
    const { compared, rows } = compareReports(instance, model, kernel);
    assert.equal(compared, 2);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.step, 1);
  });
});
