/**
 * The model checked against the kernel: every fixed sequence runs on both, and every step's
 * outcome must agree, unless the difference is a known divergence of this host (docs/kernel-behaviour.md#this-host),
 * listed with its explanation. The model is configured like the kernel (profileLike), so only
 * behaviour can differ.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FdHandle, HostMapping, Kvm } from '../../src/api.js';
import { ModelKvm } from '../../src/model/kvm.js';
import { profileLike } from '../../src/model/hostConfig.js';
import { kernelCase } from '../backends.js';
import { Recorder, type Step } from './recorder.js';
import { SEQUENCES } from './sequences.js';
import { knownDifferential } from './divergences.js';

function runOn(kvm: Kvm, run: (typeof SEQUENCES)[number]['run']): Step[] {
  const rec = new Recorder();
  const owned: (FdHandle | HostMapping)[] = [];
  try {
    run(kvm, rec, (h) => {
      if (h) owned.push(h);
      return h;
    });
  } finally {
    for (const h of owned.reverse()) 'unmap' in h ? h.unmap() : h.close();
  }
  return rec.steps;
}

const kernel = kernelCase();

describe('differential: model vs kernel', { skip: kernel.skip }, () => {
  for (const seq of SEQUENCES) {
    it(seq.name, (t) => {
      using kernelKvm = kernel.open();
      using modelKvm = new ModelKvm(profileLike(kernelKvm));
      const k = runOn(kernelKvm, seq.run);
      const m = runOn(modelKvm, seq.run);
      assert.deepEqual(m.map((s) => s.label), k.map((s) => s.label), 'both ran the same steps');
      const all = k
        .map((ks, i) => ({ step: ks, label: ks.label, kernel: ks.outcome, model: m[i]!.outcome }))
        .filter((d) => JSON.stringify(d.kernel) !== JSON.stringify(d.model));
      const known = (d: (typeof all)[number]) => knownDifferential(d.step);
      for (const d of all) {
        const kd = known(d);
        if (kd) t.diagnostic(`known divergence ${kd.name} at "${d.label}": kernel ${JSON.stringify(d.kernel)}, model ${JSON.stringify(d.model)}`);
      }
      for (const ks of k.filter((s) => s.divergence)) {
        if (!all.some((d) => d.label === ks.label)) t.diagnostic(`known divergence ${ks.divergence} no longer shows at "${ks.label}": the kernel agrees with the model now`);
      }
      const unexpected = all.filter((d) => !known(d));
      assert.deepEqual(unexpected, [], `${unexpected.length} step(s) disagree`);
    });
  }
});
