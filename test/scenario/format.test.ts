/**
 * The scenario format is defined once (src/scenario/format.ts): the committed JSON Schema and the
 * step table of docs/scenarios.md are what it generates, every catalog file satisfies the
 * schema (the committed one: they are equal), and malformed or misspelled scenarios are refused at load time with the field,
 * the bad value and, for a typo, the name that was probably meant.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { catalogFiles } from '../../src/conformance/catalog.js';
import { main } from '../../src/cli/main.js';
import { SCENARIOS_DOC, SCHEMA_FILE } from '../../src/docs/scenarioFormat.js';
import { STEP_KIND_NAMES } from '../../src/scenario/format.js';
import { withStepTable } from '../../src/scenario/formatDocs.js';
import { loadScenarioFile, scenarioInstances } from '../../src/scenario/load.js';
import { EXECUTORS } from '../../src/scenario/ops.js';
import { scenarioSchemaText } from '../../src/scenario/schema.js';

describe('scenario format', () => {
  it('schema/scenario.schema.json is what format.ts generates (npm run scenario-format)', () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), scenarioSchemaText(), 'schema/scenario.schema.json is stale: run npm run scenario-format');
  });

  it("docs/scenarios.md's step table is what format.ts generates", () => {
    const page = readFileSync(SCENARIOS_DOC, 'utf8');
    assert.equal(page, withStepTable(page), 'docs/scenarios.md is stale: run npm run scenario-format');
  });

  it('every step kind has an executor, and every executor a step kind', () => {
    assert.deepEqual(Object.keys(EXECUTORS).sort(), [...STEP_KIND_NAMES].sort());
  });

  it('every catalog file loads: the schema (equal to the committed file, above) and every name hold', () => {
    const files = catalogFiles();
    assert.ok(files.length >= 60, `${files.length} catalog files`);
    for (const file of files) assert.doesNotThrow(() => loadScenarioFile(file), file);
  });

  describe('bad scenarios are refused with the field, the value and the likely name', () => {
    const vm = { do: 'createVm', as: 'vm' };
    const file = { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 4096 };
    const cases: [string, unknown[], RegExp, object?][] = [
      ['a misspelled errno', [vm, { ...file, size: 0, expect: { errno: 'EINVALL' } }], /steps\[1\]\.expect\.errno: unknown errno "EINVALL" \(did you mean "EINVAL"\?\)/],
      ['a misspelled flag', [vm, { ...file, flags: ['GUEST_MEMFD_FLAG_MAP'] }], /steps\[1\]\.flags\[0\]: unknown flag name "GUEST_MEMFD_FLAG_MAP" \(did you mean "GUEST_MEMFD_FLAG_MMAP"\?\)/],
      ['a misspelled VM type', [{ ...vm, type: 'KVM_X86_SW_PROTECTD_VM' }], /steps\[0\]\.type: unknown VM type "KVM_X86_SW_PROTECTD_VM" \(did you mean "KVM_X86_SW_PROTECTED_VM"\?\)/],
      ['a misspelled capability', [{ do: 'checkExtension', cap: 'KVM_CAP_GUEST_MEMFD_FLAG' }], /steps\[0\]\.cap: unknown capability .*did you mean "KVM_CAP_GUEST_MEMFD_FLAGS"/],
      ['a misspelled step kind', [{ do: 'createVM', as: 'vm' }], /steps\[0\]\.do: unknown step kind "createVM" \(did you mean "createVm"\?\)/],
      ['an unknown step kind', [{ do: 'nope' }], /steps\[0\]\.do: unknown step kind "nope"/],
      ['a misspelled field', [{ ...vm, typ: 0 }], /steps\[0\] \(a createVm step\): unknown field "typ" \(did you mean "type"\?\)/],
      ['a misspelled expectation field', [{ ...vm, expect: { erno: 'EINVAL' } }], /steps\[0\]\.expect \(a createVm step\): unknown field "erno" \(did you mean "errno"\?\)/],
      ['a misspelled exit', [{ ...vm, expect: { exit: 'KVM_EXIT_MMI' } }], /steps\[0\]\.expect\.exit: unknown exit reason "KVM_EXIT_MMI" \(did you mean "KVM_EXIT_MMIO"\?\)/],
      ['a misspelled divergence', [{ ...vm, divergence: 'pvm-hva-fault' }], /steps\[0\]\.divergence: unknown divergence name "pvm-hva-fault" \(did you mean "pvm-hva-fault-mmio"\?\)/],
      ['a misspelled handle', [vm, { ...file, vm: 'vn' }], /steps\[1\]\.vm: handle "vn" is not defined by an earlier step \(did you mean "vm"\?\)/],
      ['a value of the wrong type', [vm, file, { do: 'punchHole', file: 'f', offset: 'lots', len: 1 }], /steps\[2\]\.offset \(a punchHole step\): must be integer \(got "lots"\)/],
      ['a negative u64', [vm, file, { do: 'allocate', file: 'f', offset: -1, len: 1 }], /steps\[2\]\.offset \(a allocate step\): must be >= 0 \(got -1\)/],
      ['a missing field', [vm, { do: 'createGuestMemfd', vm: 'vm', as: 'f' }], /steps\[1\] \(a createGuestMemfd step\): missing field "size"/],
      ['a byte out of range', [vm, file, { do: 'mmap', file: 'f', as: 'm' }, { do: 'hostFill', map: 'm', offset: 0, length: 1, byte: 256 }], /steps\[3\]\.byte \(a hostFill step\): must be <= 255 \(got 256\)/],
      ['an unknown top-level field', [vm], /\(scenario\): unknown field "sorce" \(did you mean "source"\?\)/, { sorce: 'x' }],
      ['a misspelled required VM type', [vm], /requires\.vmType: unknown VM type "KVM_X86_SNP" \(did you mean "KVM_X86_SNP_VM"\?\)/, { requires: { vmType: 'KVM_X86_SNP' } }],
      ['a misspelled flag in a matrix value', [vm, { ...file, flags: '$f' }], /x\[f=MMAPP\]|steps\[1\]\.flags\[0\]: unknown flag name "GUEST_MEMFD_FLAG_MMAPP"/, { matrix: { f: [['GUEST_MEMFD_FLAG_MMAPP']] } }],
      ['a handle made twice', [vm, vm], /steps\[1\]\.as: handle "vm" is already defined/],
      ['a bad name', [vm], /name: must match pattern/, { name: 'Bad Name' }],
    ];
    for (const [what, steps, message, extra] of cases) {
      it(what, () => assert.throws(() => scenarioInstances({ name: 'x', steps, ...extra }), message));
    }
  });

  it('`gmem run` refuses a misspelled errno with exit status 2 (a load error, not a failing check)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gmem-format-'));
    try {
      const file = join(dir, 'typo.json');
      writeFileSync(file, JSON.stringify({ name: 'typo', steps: [{ do: 'createVm', as: 'vm', type: 99, expect: { errno: 'EINVALL' } }] }));
      let stderr = '';
      const code = await main(['run', file, '--backend', 'model'], { stdout: { write: () => true }, stderr: { write: (t: string) => ((stderr += t), true) } });
      assert.equal(code, 2);
      assert.match(stderr, /unknown errno "EINVALL" \(did you mean "EINVAL"\?\)/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
