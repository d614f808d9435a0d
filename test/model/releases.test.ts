import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chooseRelease } from '../../src/model/releaseChoice.js';
import { CHANGES_AFTER_6_18, changesUpTo, rulesAfter618 } from '../../src/model/releases.js';
import { getProfile } from '../../src/model/profile.js';
import { divergenceEntries } from '../../src/scenario/divergenceData.js';
import { openModel } from '../../src/open.js';

it('chooses the release profile of a kernel from its version and whether it has guest_memfd', () => {
  const pick = (uname: string, gmem = true) => chooseRelease(uname, gmem).profile.name;
  assert.equal(pick('6.18.15+deb13-cloud-amd64'), 'linux-6.18');
  assert.equal(pick('6.18.44-pvm'), 'linux-6.18');
  assert.equal(pick('7.3.4+deb13-cloud-amd64'), 'linux-7.3');
  assert.equal(pick('7.2.13+deb14-cloud-amd64'), 'linux-7.3', '7.2 has the same guest_memfd rules as 7.3');
  assert.match(chooseRelease('7.2.13', true).note, /no linux-7\.2 profile/);
  assert.equal(pick('6.12.117+deb13-cloud-amd64', false), 'linux-6.12');
  assert.equal(pick('7.9.1'), 'linux-7.3');
  assert.match(chooseRelease('7.9.1', true).note, /newer than every release profile/);
  assert.equal(pick('6.16.3'), 'linux-6.18');
  assert.match(chooseRelease('6.16.3', true).note, /nearest/);
});

it('a release profile is 6.18 with the changes after it, each stated once', () => {
  assert.deepEqual(changesUpTo('6.18'), []);
  assert.equal(changesUpTo('7.3').length, CHANGES_AFTER_6_18.length);
  assert.equal(getProfile('linux-6.18').release.overlappingBindingErrno, 'EINVAL');
  assert.equal(getProfile('linux-7.3').release.overlappingBindingErrno, 'EEXIST');
  assert.deepEqual(getProfile('linux-7.3').release, rulesAfter618('linux-7.3', '7.3'));
  // Everything but the release rules and the description is 6.18's.
  const { name: _a, description: _b, release: _c, ...rest73 } = getProfile('linux-7.3');
  const { name: _d, description: _e, release: _f, ...rest618 } = getProfile('linux-6.18');
  assert.deepEqual(rest73, rest618);
});

it('a divergence that a later change fixed is listed only for the releases before it', () => {
  for (const change of CHANGES_AFTER_6_18.filter((c) => c.fixes)) {
    const d = divergenceEntries().find((e) => e.name === change.fixes);
    assert.ok(d, `${change.fixes} is a known divergence`);
    assert.ok(d.releases, `${d.name} says which releases show it`);
    for (const r of d.releases) assert.equal(changesUpTo(r.replace(/^linux-/, '')).includes(change), false, `${r} already has "${change.change}"`);
  }
});

// The capability answers (KVM_CAP_GUEST_MEMFD and _FLAGS 0) are catalog steps
// (capabilities.system_and_vm, expectBy linux-6.12). A scenario cannot say these two: the runner
// skips an instance that makes a guest_memfd, or a VM of a type not offered, on such a kernel.
it('linux-6.12 as Debian builds it has no guest_memfd: KVM_CREATE_GUEST_MEMFD is ENOTTY, SW_PROTECTED_VM EINVAL', () => {
  using kvm = openModel(getProfile('linux-6.12'));
  using vm = kvm.createVm('KVM_X86_DEFAULT_VM');
  assert.throws(() => vm.createGuestMemfd({ size: 4096 }), { code: 'ENOTTY' });
  assert.throws(() => kvm.createVm('KVM_X86_SW_PROTECTED_VM'), { code: 'EINVAL' });
});
