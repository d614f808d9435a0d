/** A mistake in a scenario file is a load error (exit 2) naming the field, on every backend choice. */
import { runGmem } from './helpers.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'gmem-typos-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const createVm = { do: 'createVm', as: 'vm' };
const CASES: [string, object, RegExp][] = [
  ['an unknown requires.gmemFlags name', { name: 'a', requires: { gmemFlags: ['GUEST_MEMFD_FLAG_MAP'] }, steps: [createVm] }, /requires\.gmemFlags\[0\]: unknown flag name "GUEST_MEMFD_FLAG_MAP" \(did you mean "GUEST_MEMFD_FLAG_MMAP"\?\)/],
  ['an unknown requires.vmType', { name: 'b', requires: { vmType: 'KVM_X86_SW_PROTECTD_VM' }, steps: [createVm] }, /requires\.vmType: unknown VM type "KVM_X86_SW_PROTECTD_VM" \(did you mean "KVM_X86_SW_PROTECTED_VM"\?\)/],
  ['a misspelled errno in expect', { name: 'c', steps: [createVm, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4095, expect: { errno: 'EINVALL' } }] }, /steps\[1\]\.expect\.errno: unknown errno "EINVALL" \(did you mean "EINVAL"\?\)/],
  ['a misspelled field in expect', { name: 'd', steps: [createVm, { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4095, expect: { erno: 'EINVAL' } }] }, /steps\[1\]\.expect .*unknown field "erno" \(did you mean "errno"\?\)/],
];

const run = runGmem;

describe('scenario mistakes are load errors', () => {
  for (const [what, scenario, pattern] of CASES) {
    for (const backend of ['model', 'both']) {
      it(`${what}: exit 2 naming the field and the nearest name (--backend ${backend})`, async () => {
        const file = join(dir, `${(scenario as { name: string }).name}.json`);
        writeFileSync(file, JSON.stringify(scenario));
        const r = await run(['run', file, '--backend', backend]);
        assert.equal(r.code, 2, r.stdout);
        assert.match(r.stderr, pattern);
        assert.equal(r.stdout, '');
      });
    }
  }
});
