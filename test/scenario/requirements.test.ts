/**
 * Why a check is skipped: a check that needs both long-term pins and an unreleased feature names
 * the feature, which is missing on every backend of that release, rather than the pins, which are
 * only this backend's gap (the kernel backend has none).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kvm } from '../../src/api.js';
import { loadCatalog } from '../../src/conformance/catalog.js';
import { openModel } from '../../src/open.js';
import { unmetRequirement } from '../../src/scenario/runner.js';

/** A backend like the model of `profile` but without pins, as the kernel backend is. */
function withoutPins(profile: string): Kvm {
  const model = openModel(profile);
  return {
    backend: model.backend,
    features: () => ({ ...model.features(), pins: false }),
    checkExtension: (cap: Parameters<Kvm['checkExtension']>[0]) => model.checkExtension(cap),
    createVm: (type?: Parameters<Kvm['createVm']>[0]) => model.createVm(type),
  } as unknown as Kvm;
}

const elevatedRefcount = loadCatalog('conversion.elevated_refcount').flatMap((e) => (e.kind === 'scenario' ? [e.instance] : []))[0]!;

it('a check needing pins and in-place conversion is skipped for the missing conversion where there is none', () => {
  assert.match(unmetRequirement(withoutPins('linux-7.3'), elevatedRefcount) ?? '', /^no in-place conversion for KVM_X86_SW_PROTECTED_VM on linux-7.3/);
});

it('and for the pins where the conversion is there', () => {
  assert.equal(unmetRequirement(withoutPins('inplace-v13'), elevatedRefcount), 'long-term pins are not available on this backend');
  assert.equal(unmetRequirement(openModel('inplace-v13'), elevatedRefcount), undefined);
});
