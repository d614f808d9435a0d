/**
 * A step a scenario limit stopped on one backend is where comparison ends: limits charge each
 * backend what it would really allocate (a kernel fallocate of a huge range would take real
 * pages, the model's takes none), so the fuzzer inside a small guest once reported 24 "findings"
 * that were only the kernel side's allocation limit. And a recognizer reads only the state the
 * kernel's accepted steps made.
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

describe('the differential engine and the state a recognizer reads', () => {
  // Found inside the v8 in-place kernel: a slot over a file without MMAP, a refused rebind of the
  // slot to a file with MMAP (EINVAL on both sides), then a shared read: v8 faults through
  // userspace_addr 0 (EFAULT), the model serves the file. The refused rebind made no slot.
  const steps = [
    { do: 'createVm', as: 'vm0', type: 0 },
    { do: 'createGuestMemfd', vm: 'vm0', as: 'f1', size: '8192', flags: '0x0' },
    { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: '8192', guestMemfd: 'f1', guestMemfdOffset: '0' },
    { do: 'createGuestMemfd', vm: 'vm0', as: 'f2', size: '8192', flags: '0x3' },
    { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: '8192', guestMemfd: 'f2', guestMemfdOffset: '0' },
    { do: 'guestRead', vm: 'vm0', gpa: '2^32', length: '8' },
  ];
  const rebind = { id: 'r', steps } as unknown as ScenarioInstance;
  const answers = (last: StepReport['outcome'], rebound: StepReport['outcome']) => report(steps.map((_, i) => step(i, i === 4 ? rebound : i === 5 ? last : { ok: true })));

  it('a slot call the kernel refused does not stand for a slot', () => {
    const { rows } = compareReports(rebind, answers({ ok: '0000000000000000' }, { errno: 'EINVAL' }), answers({ errno: 'EFAULT' }, { errno: 'EINVAL' }), { recognize: true, release: 'linux-7.3' });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.divergence, 'inplace-v8-slot-read-via-hva');
  });

  it('a slot call the kernel accepted does (the file with MMAP then decides: no divergence)', () => {
    const { rows } = compareReports(rebind, answers({ ok: '0000000000000000' }, { ok: true }), answers({ errno: 'EFAULT' }, { ok: true }), { recognize: true, release: 'linux-7.3' });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.divergence, undefined);
  });
});
