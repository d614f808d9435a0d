/**
 * The differential fuzzer: a short fixed-seed pass against the kernel; its shrinking and its
 * reproducing scenarios (checked against a model with a deliberately different rule, so the
 * machinery is tested where no kernel is); and no leaks after 10,000 random operations.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { describeFinding, findingScenario, firstDisagreement, fuzz } from '../../src/fuzz/fuzz.js';
import { Coverage } from '../../src/fuzz/coverage.js';
import { randomSteps } from '../../src/fuzz/generate.js';
import { rulesFor } from '../../src/fuzz/rules.js';
import { Random } from '../../src/fuzz/random.js';
import type { Kvm } from '../../src/api.js';
import { openModel } from '../../src/open.js';
import { profileOfKernel } from '../../src/model/hostConfig.js';
import { LINUX_6_18, getProfile } from '../../src/model/profile.js';
import { modelStats } from '../../src/model/stats.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { disagreements, runInstance } from '../../src/scenario/runner.js';
import { kernelCase } from '../backends.js';

const kernel = kernelCase();

describe('differential fuzzer', () => {
  it('a fixed-seed pass finds no disagreement with the kernel but the known divergences', { skip: kernel.skip }, (t) => {
    const profile = profileOfKernel(kernel.open);
    const stats = fuzz(kernel.open, profile, { seed: 42, sequences: 300 });
    t.diagnostic(`sequences ${stats.sequences}, operations ${stats.operations}, known divergences ${JSON.stringify(stats.knownDivergences)}`);
    assert.equal(stats.sequences, 300);
    assert.deepEqual(stats.findings.map((f) => `${f.steps[f.at]!.do}: model ${JSON.stringify(f.model)}, kernel ${JSON.stringify(f.kernel)}`), []);
  });

  it('a disagreement is shrunk to a few steps and written as a scenario that reproduces it', () => {
    // A "kernel" that differs from the model in one rule: only 100 memslot ids.
    const odd = { ...LINUX_6_18, name: 'odd', userMemSlots: 100 };
    const stats = fuzz(() => openModel(odd), LINUX_6_18, { seed: 7, sequences: 200 });
    // The changed rule shows in the memslot ioctls and in KVM_CAP_NR_MEMSLOTS.
    assert.ok(stats.findings.some((f) => /^setUserMemoryRegion2?$/.test(f.steps[f.at]!.do)), 'the changed rule was found');
    for (const [i, f] of stats.findings.entries()) {
      // At most a VM, a file, a slot the refused one would overlap, and the refused call.
      assert.ok(f.steps.length <= 4, `shrunk to ${f.steps.length} steps: ${JSON.stringify(f.steps)}`);
      assert.match(f.steps[f.at]!.do, /^(setUserMemoryRegion2?|checkExtension)$/);
      const scenario = findingScenario(f, 7, i);
      const [instance] = scenarioInstances(JSON.parse(JSON.stringify(scenario)));
      const model = runInstance(openModel(LINUX_6_18), instance!);
      const other = runInstance(openModel(odd), instance!);
      assert.equal(model.status, 'pass', 'the scenario expects the model answer');
      assert.equal(other.status, 'fail');
      assert.equal(disagreements(model, other)[0]!.step, f.at);
    }
  });

  it('a step one backend cannot ask (unsupported) ends the comparison and is counted, not reported', () => {
    // A "kernel" without the in-place proposal: the conversions and pins the generator makes for
    // inplace-v13 are unsupported there, as a guest access of a chosen kind is on a real kernel's
    // SW_PROTECTED VM.
    const stats = fuzz(() => openModel(LINUX_6_18), getProfile('inplace-v13'), { seed: 3, sequences: 150 });
    assert.ok(Object.values(stats.unsupported).reduce((a, b) => a + b, 0) > 0, `no unsupported step met: ${JSON.stringify(stats.unsupported)}`);
    const unsupported = stats.findings.filter((f) => 'unsupported' in f.model || 'unsupported' in f.kernel!);
    assert.deepEqual(unsupported.map((f) => f.steps[f.at]!.do), []);
  });

  it('a step the API refused on one side only is reported; one both sides refused is not', () => {
    const row = (step: number, aOutcome: object, bOutcome: object) => ({ id: 'fuzz', step, do: 'setUserMemoryRegion2', a: '', b: '', aOutcome, bOutcome }) as Parameters<typeof firstDisagreement>[0][number];
    const bothRefused = row(2, { notRun: 'the API refused the arguments: 0x7fff0000' }, { notRun: 'the API refused the arguments: 0x7f960000' });
    const modelRan = row(3, { ok: true }, { notRun: 'the API refused the arguments: userspaceAddr' });
    const kernelRan = row(4, { notRun: 'handle "m1" does not exist' }, { errno: 'EINVAL' });
    assert.equal(firstDisagreement([bothRefused]), undefined);
    assert.equal(firstDisagreement([bothRefused, modelRan, kernelRan]), modelRan);
    assert.equal(firstDisagreement([kernelRan, modelRan]), kernelRan);
  });

  it('against a kernel, no guest access on a VM with private memory names a kind (the kernel backend cannot issue it); alone, some do', () => {
    const inplace = getProfile('inplace-v13');
    const kinds = (forKernel: boolean) => {
      let onPrivateVm = 0;
      for (let seed = 0; seed < 300; seed++) {
        const steps = randomSteps(new Random(seed), 24, { profile: inplace, forKernel });
        const privateVms = new Set(steps.flatMap((s) => (s.do === 'createVm' && Number(s.type) === 1 ? [String(s.as)] : [])));
        onPrivateVm += steps.filter((s) => (s.do === 'guestRead' || s.do === 'guestWrite') && 'kind' in s && privateVms.has(String(s.vm))).length;
      }
      return onPrivateVm;
    };
    assert.equal(kinds(true), 0);
    assert.ok(kinds(false) > 0, 'the model-only fuzzer still asks for explicit kinds there');
  });

  it('one /dev/kvm serves the sequences until one closes it; the next gets a fresh one, and every one is closed at the end', () => {
    const opened: Kvm[] = [];
    const open = () => {
      const kvm = openModel(LINUX_6_18);
      opened.push(kvm);
      return kvm;
    };
    const stats = fuzz(open, LINUX_6_18, { seed: 9, sequences: 400 });
    assert.equal(stats.sequences, 400);
    // The lifetimes generator closes /dev/kvm under a live slot now and then.
    assert.ok(opened.length > 1 && opened.length < stats.sequences / 4, `${opened.length} opens for ${stats.sequences} sequences`);
    assert.deepEqual(opened.filter((k) => !k.closed), []);
    // A closed one handed on would answer EBADF where the model, opened afresh, answers.
    assert.deepEqual(stats.findings.map(describeFinding), []);
  });

  it('model-only, the generated mbind, get_mempolicy and page-node steps meet every memory policy rule', () => {
    const coverage = new Coverage(LINUX_6_18);
    fuzz(undefined, LINUX_6_18, { seed: 1, sequences: 1500, coverage });
    const rules = rulesFor(LINUX_6_18).filter((r) => r.id.startsWith('mempolicy.'));
    assert.ok(rules.length >= 17, `${rules.length} memory policy rules`);
    assert.deepEqual(rules.filter((r) => !coverage.counts.get(r.id)).map((r) => r.id), []);
  });

  it('the same seed generates the same sequences', () => {
    assert.deepEqual(randomSteps(new Random(5), 20, { profile: LINUX_6_18 }), randomSteps(new Random(5), 20, { profile: LINUX_6_18 }));
    assert.notDeepEqual(randomSteps(new Random(5), 20, { profile: LINUX_6_18 }), randomSteps(new Random(6), 20, { profile: LINUX_6_18 }));
  });
});

describe('no leaks', () => {
  const fds = () => readdirSync('/proc/self/fd').length;

  function churn(open: () => { close(): void } & Parameters<typeof runInstance>[0], operations: number, profile = LINUX_6_18): number {
    const rng = new Random(2026);
    let done = 0;
    while (done < operations) {
      const [instance] = scenarioInstances({ name: 'churn', steps: randomSteps(rng, 20, { profile }) });
      const kvm = open();
      try {
        done += runInstance(kvm, instance!).steps.length; // Every handle is closed at the end.
      } finally {
        kvm.close();
      }
    }
    return done;
  }

  it('10,000 random operations on the model leave descriptors and the model\'s memory where they were', (t) => {
    const before = { fds: fds(), model: modelStats() };
    const ops = churn(() => openModel(LINUX_6_18), 10_000);
    const after = { fds: fds(), model: modelStats() };
    t.diagnostic(`model: ${ops} operations; fds ${before.fds} -> ${after.fds}; live ${JSON.stringify(before.model)} -> ${JSON.stringify(after.model)}`);
    assert.deepEqual(after, before);
  });

  it('10,000 random operations on the kernel leave the process\'s descriptors where they were', { skip: kernel.skip }, (t) => {
    const before = { fds: fds(), rss: process.memoryUsage().rss };
    const ops = churn(kernel.open, 10_000, profileOfKernel(kernel.open)); // Guest accesses only where this MMU maps.
    const after = { fds: fds(), rss: process.memoryUsage().rss };
    t.diagnostic(`kernel: ${ops} operations; fds ${before.fds} -> ${after.fds}; RSS ${(before.rss / 2 ** 20).toFixed(1)} -> ${(after.rss / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(after.fds, before.fds);
  });
});
