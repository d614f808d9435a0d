/**
 * The model's invariant checker (src/fuzz/invariants.ts), property style: on random model states
 * it finds nothing, and after any one deliberate corruption of such a state it finds it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomSteps } from '../../src/fuzz/generate.js';
import { InvariantError, checkInvariants } from '../../src/fuzz/invariants.js';
import { Random } from '../../src/fuzz/random.js';
import type { GmemInode } from '../../src/model/guestMemfd/inode.js';
import { modelInode, modelMapping, modelVmState } from '../../src/model/inspect.js';
import { INPLACE_V13 as INPLACE, LINUX_6_18, type Profile } from '../../src/model/profile.js';
import { openModel } from '../../src/open.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { runInstance, type StepReport } from '../../src/scenario/runner.js';
import type { Step } from '../../src/scenario/types.js';

/** A corruption of a live state; false when the state has nothing it applies to. */
type Corruption = (handles: ReadonlyMap<string, unknown>) => boolean;

const liveInodes = (handles: ReadonlyMap<string, unknown>): GmemInode[] =>
  [...handles.values()].map((h) => modelInode(h)).filter((i): i is GmemInode => !!i && !i.released);

const CORRUPTIONS: Record<string, Corruption> = {
  'a stored page that was never faulted in': (handles) => {
    const inode = liveInodes(handles).find((i) => i.pageState.findFirst(0, i.pageCount, (v) => v !== 3) >= 0);
    if (!inode) return false;
    const page = inode.pageState.findFirst(0, inode.pageCount, (v) => v !== 3);
    inode.contents.write(page, 0, new Uint8Array([1]), 0, 1);
    return true;
  },
  'a live file with no reference': (handles) => {
    const inode = liveInodes(handles)[0];
    if (!inode) return false;
    (inode as unknown as { refs: number }).refs = 0;
    return true;
  },
  'a page count the slots do not add up to': (handles) => {
    const vm = [...handles.values()].map((h) => modelVmState(h)).find((v) => v && !v.destroyed);
    if (!vm) return false;
    vm.nrMemslotPages += 1n;
    return true;
  },
  'an unmerged range map': (handles) => {
    const inode = liveInodes(handles).find((i) => i.pageCount >= 2);
    if (!inode) return false;
    // Split off the first page with another value, then give it back the neighbour's value
    // behind the map's back: two adjacent fragments holding one value.
    inode.attributes.set(0, 1, 99);
    const map = inode.attributes as unknown as { vals: Int32Array; slotOf: Int32Array; cap: number };
    map.vals[map.slotOf[0]! * map.cap] = inode.attributes.get(1);
    return true;
  },
  'a file binding that no slot records': (handles) => {
    const inode = liveInodes(handles).find((i) => i.bindingCount > 0);
    if (!inode) return false;
    (inode as unknown as { boundSlots: Map<number, unknown> }).boundSlots.clear();
    return true;
  },
};

/** Random model states: the handles left after a random sequence, before cleanup. */
function withRandomState(profile: Profile, seed: number, visit: (handles: ReadonlyMap<string, unknown>, step: Step, report: StepReport) => void): void {
  const steps = randomSteps(new Random(seed), 24, { profile });
  const [instance] = scenarioInstances({ name: 'state', steps });
  const kvm = openModel(profile);
  try {
    runInstance(kvm, instance!, { afterStep: (handles, report) => visit(handles, instance!.steps[report.index]!, report) });
  } finally {
    kvm.close();
  }
}

describe('model invariants', () => {
  for (const profile of [LINUX_6_18, INPLACE]) {
    it(`hold after every step of 300 random sequences (${profile.name})`, () => {
      let checked = 0;
      for (let seed = 0; seed < 300; seed++) {
        withRandomState(profile, seed, (handles, step, report) => {
          checkInvariants(step, report, handles);
          checked++;
        });
      }
      assert.ok(checked > 3000, `only ${checked} steps checked`);
    });
  }

  for (const [name, corrupt] of Object.entries(CORRUPTIONS)) {
    it(`catch ${name}`, () => {
      let caught = 0;
      let applied = 0;
      for (let seed = 0; seed < 200 && applied < 20; seed++) {
        let done = false;
        withRandomState(INPLACE, seed, (handles, step, report) => {
          if (done || !corrupt(handles)) return;
          done = true;
          applied++;
          try {
            checkInvariants(step, report, handles);
          } catch (err) {
            if (!(err instanceof InvariantError)) throw err;
            caught++;
          }
        });
      }
      assert.ok(applied > 0, 'no random state had anything to corrupt');
      assert.equal(caught, applied);
    });
  }

  it('catch a host read that returned private bytes', () => {
    const kvm = openModel(INPLACE);
    try {
      const [instance] = scenarioInstances({
        name: 'leak',
        steps: [
          { do: 'createVm', as: 'vm', type: 1 },
          { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 8192, flags: '0x3' },
          { do: 'mmap', file: 'f', as: 'm' },
          { do: 'hostRead', map: 'm', offset: 0, length: 8 },
        ],
      });
      let caught = '';
      runInstance(kvm, instance!, {
        afterStep: (handles, report) => {
          if (report.do !== 'hostRead') return;
          assert.ok('ok' in report.outcome, 'the page is shared: the read works');
          modelMapping(handles.get('m'))!.inode.attributes.set(0, 1, 8); // Private behind the read's back.
          try {
            checkInvariants(instance!.steps[report.index]!, report, handles);
          } catch (err) {
            caught = (err as Error).message;
          }
        },
      });
      assert.match(caught, /private page 0/);
    } finally {
      kvm.close();
    }
  });
});
