/**
 * The conformance catalog: it loads, it has the checks the issue asks for, every check passes on
 * the model under every profile (or is skipped with a reason), malformed scenarios are
 * refused with the step and field named, and no two catalog files state the same expectation:
 * the same (operation, arguments, expected outcome), where arguments include what each handle is
 * (how it was made, and for a guest access the VM's memslots). See src/conformance/expectations.ts for what that
 * comparison can and cannot see; the pairs listed below say the same words about different states.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../src/conformance/catalog.js';
import { runOn, summary } from '../../src/conformance/run.js';
import { openKvm } from '../../src/open.js';
import { getProfile, profileNames } from '../../src/model/profile.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { duplicateExpectations, expectationTuples } from '../../src/conformance/expectations.js';

describe('conformance catalog', () => {
  const entries = loadCatalog();

  it('has at least 60 named checks from every group', () => {
    assert.ok(entries.length >= 60, `${entries.length} checks`);
    const groups = new Set(entries.map((e) => e.id.split('.')[0]));
    for (const g of ['selftest', 'memslot', 'file', 'create', 'mmap', 'fallocate', 'lifetime', 'conversion', 'guest', 'attributes']) {
      assert.ok(groups.has(g), `group ${g}`);
    }
  });

  for (const profile of profileNames()) {
    it(`passes on the model with profile ${profile} (skips name their reason)`, () => {
      const results = runOn(() => openKvm({ backend: 'model', profile }), profile, entries);
      const bad = results.filter((r) => r.status === 'fail' || r.status === 'known-divergence');
      assert.deepEqual(bad.map((r) => `${r.id}: ${r.reason}`), []);
      for (const r of results.filter((x) => x.status === 'skip')) assert.ok(r.reason && r.reason.length > 10, `${r.id} skipped without a reason`);
      if (getProfile(profile).release.guestMemfd) assert.ok(summary(results).pass > 30, `only ${summary(results).pass} checks ran under ${profile}`);
      // A kernel built without guest_memfd: every check that makes one skips with that one sentence.
      else {
        const skips = results.filter((x) => x.status === 'skip');
        assert.ok(skips.filter((x) => /^this kernel has no guest_memfd/.test(x.reason!)).length > 100, 'the checks that make a guest_memfd skip for that reason');
        assert.ok(skips.every((x) => /^this kernel has no guest_memfd|not offered/.test(x.reason!)), 'skips say the kernel has no guest_memfd');
      }
    });
  }

  it('every conversion check passes under one of the in-place builds, and each build skips only the other build\'s VM-ioctl check', () => {
    const conversion = entries.filter((e) => e.id.startsWith('conversion.') && !e.id.includes('rfc'));
    assert.ok(conversion.length >= 12, `${conversion.length} conversion checks`);
    const builds = { 'inplace-v13': 'conversion.vm_ioctl_refuses_private', 'inplace-v13-vmattrs': 'conversion.vm_ioctl_compiled_out' };
    for (const [profile, other] of Object.entries(builds)) {
      const results = runOn(() => openKvm({ backend: 'model', profile }), profile, conversion);
      assert.deepEqual(results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}`), [`${other} skip`], profile);
    }
  });
  // Model and kernel side by side: test/differential/differential.test.ts runs the whole catalog so.
});

describe('scenario loading', () => {
  const load = (steps: unknown[], extra: object = {}) => () => scenarioInstances({ name: 'x', steps, ...extra });
  it('names the step and the field of a malformed scenario', () => {
    assert.throws(load([{ do: 'createVm', as: 'vm' }, { do: 'punchHole', file: 'vm', offset: 'lots', len: 1 }]), /steps\[1\]\.offset \(a punchHole step\)/);
    assert.throws(load([{ do: 'createVm', as: 'vm', typ: 0 }]), /steps\[0\] \(a createVm step\): unknown field "typ"/);
    assert.throws(load([{ do: 'mmap', file: 'f', as: 'm' }]), /steps\[0\]: missing field|steps\[0\]\.file: handle "f" is not defined/);
    assert.throws(load([{ do: 'nope' }]), /steps\[0\]\.do/);
    assert.throws(load([{ do: 'createVm', as: 'vm' }, { do: 'createVm', as: 'vm' }]), /steps\[1\]\.as: handle "vm" is already defined/);
    assert.throws(() => scenarioInstances({ name: 'Bad Name', steps: [{ do: 'createVm', as: 'a' }] }), /name/);
    assert.throws(load([{ do: 'createVm', as: 'vm', type: '$t' }]), /"\$t" is not a matrix key/);
  });
  it('expands a matrix into one instance per combination, named by its values', () => {
    const got = scenarioInstances({
      name: 'm',
      matrix: { a: [1, 2], b: [['GUEST_MEMFD_FLAG_MMAP'], []] },
      steps: [{ do: 'createVm', as: 'vm', type: '$a' }, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096, flags: '$b' }],
    });
    assert.deepEqual(got.map((i) => i.id), ['m[a=1,b=MMAP]', 'm[a=1,b=0]', 'm[a=2,b=MMAP]', 'm[a=2,b=0]']);
    const first = got[1]!.steps[0]!;
    assert.equal(first.do === 'createVm' && first.type, 1);
  });
});

/** Same step and answer, different history: not the same expectation. */
const SAME_WORDS_DIFFERENT_STATE: { where: string[]; why: string }[] = [
  {
    where: ['conversion.before_allocation step 5', 'conversion.truncate step 11'],
    why: 'a private page never allocated reads zero (before_allocation); a private page the guest wrote and that was then punched reads zero (truncate)',
  },
  {
    where: ['memslot.binding_grid step 9', 'memslot.immutable step 3'],
    why: 'binding a guest_memfd of another VM (binding_grid) and re-issuing a bound slot unchanged (immutable): the file descriptions match, the files do not',
  },
  {
    where: ['conversion.forked_accesses step 7', 'conversion.rfc_gmem_convert step 15'],
    why: 'flags 0x3 are MMAP|INIT_SHARED, converted to private, in forked_accesses, and SUPPORT_SHARED|INIT_PRIVATE (private from the start) in the RFC profile',
  },
];

describe('single home of expectations', () => {
  // Loaded once per process: the catalog tests above load the same files.
  const instances = loadCatalog().flatMap((e) => (e.kind === 'scenario' ? [e.instance] : []));

  it('the comparison sees the catalog (it is not vacuous)', () => {
    const tuples = instances.reduce((n, i) => n + expectationTuples(i).length, 0);
    assert.ok(tuples >= 900, `only ${tuples} expectations found`);
  });

  it('a field left out and the same field given as 0, or a name and its number, are the same words', () => {
    const file = (origin: string, steps: Record<string, unknown>[]) => ({ ...scenarioInstances({ name: origin, steps: steps as never })[0]!, origin });
    const explicit = file('a.json', [
      { do: 'createVm', as: 'vm', type: 'KVM_X86_DEFAULT_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096, flags: [] },
      { do: 'setUserMemoryRegion2', vm: 'vm', slot: 0, flags: 0, guestPhysAddr: 0, memorySize: 4097, userspaceAddr: 0, expect: { errno: 'EINVAL' } },
      { do: 'checkExtension', on: 'vm', cap: 'KVM_CAP_GUEST_MEMFD', expect: { value: 1 } },
    ]);
    const omitted = file('b.json', [
      { do: 'createVm', as: 'vm' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096 },
      { do: 'setUserMemoryRegion2', vm: 'vm', slot: 0, guestPhysAddr: 0, memorySize: 4097, expect: { errno: 'EINVAL' } },
      { do: 'checkExtension', on: 'vm', cap: 234, expect: { value: 1 } },
    ]);
    assert.equal(duplicateExpectations([explicit, omitted]).length, 2);
    // A length is no such field: mmap's default is the file's size, not 0.
    const mapped = (origin: string, extra: Record<string, unknown>) =>
      file(origin, [{ do: 'createVm', as: 'vm' }, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096 }, { do: 'mmap', file: 'f', as: 'm', ...extra, expect: { errno: 'EINVAL' } }]);
    assert.deepEqual(duplicateExpectations([mapped('c.json', { length: 0 }), mapped('d.json', {})]), []);
  });

  it('no two catalog files state the same expectation', (t) => {
    const dups = duplicateExpectations(instances);
    const explained = (where: string[]) => SAME_WORDS_DIFFERENT_STATE.some((a) => a.where.join('|') === where.join('|'));
    for (const d of dups.filter((x) => explained(x.where))) t.diagnostic(`same words, different state: ${d.where.join(' and ')}`);
    assert.deepEqual(dups.filter((d) => !explained(d.where)).map((d) => `${d.where.join(' and ')}: ${d.key}`), []);
    for (const a of SAME_WORDS_DIFFERENT_STATE) assert.ok(dups.some((d) => d.where.join('|') === a.where.join('|')), `no longer a duplicate, drop it from the list: ${a.where.join(', ')}`);
  });
});
