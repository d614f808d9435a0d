/**
 * The rule registry (src/fuzz/rules.ts) against the model's code and the catalog: every refusal
 * the model can raise has exactly one name, and every named rule is met by some catalog scenario
 * or is listed here with the reason it is not.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../src/conformance/catalog.js';
import { Coverage } from '../../src/fuzz/coverage.js';
import { RULES, refusalsMatching } from '../../src/fuzz/rules.js';
import { getProfile, profileNames } from '../../src/model/profile.js';
import { openModel } from '../../src/open.js';
import { runInstance } from '../../src/scenario/runner.js';

const MODEL_DIR = new URL('../../../src/model', import.meta.url).pathname;

/** Rules no catalog scenario meets, and why (the fuzzer meets the reachable ones). */
const CATALOG_GAPS: Record<string, string> = {
  'create.no-guest-memfd': 'on linux-6.12 the catalog skips every check that makes a guest_memfd, with that reason, instead of asking',
  'create.hugetlb.size-not-offered': 'no catalog scenario asks for an unoffered huge page size yet (hugetlb profile only)',
  'attributes.vm.absent': 'only a profile without VM memory attributes has it; none of the catalog profiles lacks them',
  'mmap.madvise.no-thp': 'only a model configured like a kernel without transparent huge pages has it (mmap.madvise_hugepage_without_thp, run by conform --backend both there); no named profile lacks them',
  'memslot.modify.hva': 'no catalog scenario yet; the model-only fuzzer meets it',
  'memslot.modify.size': 'no catalog scenario yet; the model-only fuzzer meets it',
  'file.io.private': 'granular-flags profile only; no catalog scenario reads a private page with read(2) yet',
  'file.lseek.whence-here': 'granular-flags profile only; no catalog scenario yet',
  'file.lseek.negative': 'granular-flags profile only; no catalog scenario yet',
  'seals.flags': 'granular-flags profile only; no catalog scenario yet',
  'pin.unmappable': 'no catalog scenario pins a file made without MMAP yet; the fuzzer meets it',
  'mmap.overcommit': 'needs a private writable mapping above the commit limit; catalog mmap scenarios stay small',
  'convert.no-shared': 'rfc-1g-v2 profile only; no catalog scenario yet',
  'pin.range': 'no catalog scenario yet; the model-only fuzzer meets it',
  'pin.outside': 'no catalog scenario yet; the model-only fuzzer meets it',
  'pin.private': 'no catalog scenario yet; the model-only fuzzer meets it',
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Every fail('CODE', 'reason') and refuse('CODE', `reason`) in the model, with its reason as a
 * sample string (each ${...} becomes "1"). A reason built in another way is listed as unread.
 */
function failSites(): { where: string; code: string; sample: string }[] {
  const sites: { where: string; code: string; sample: string }[] = [];
  for (const file of sources(MODEL_DIR)) {
    if (file.endsWith('rangeMap.ts')) continue; // Its fail() is its own invariant check, not a rule.
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(?:fail|refuse)\(\s*'([A-Z]+)',\s*(?:'([^']*)'|`((?:[^`$]|\$\{(?:[^{}`]|`[^`]*`|\{[^}]*\})*\})*)`)/g)) {
      const sample = (m[2] ?? m[3]!).replace(/\$\{(?:[^{}`]|`[^`]*`|\{[^}]*\})*\}/g, '1');
      sites.push({ where: `${file.slice(MODEL_DIR.length + 1)}:${text.slice(0, m.index).split('\n').length}`, code: m[1]!, sample });
    }
  }
  return sites;
}

describe('rule registry', () => {
  it('names every refusal in the model once', () => {
    const sites = failSites();
    assert.ok(sites.length >= 90, `found only ${sites.length} fail sites: the scan is broken`);
    const problems = sites.flatMap((s) => {
      const names = [...new Set(refusalsMatching(s.code, s.sample).map((r) => r.id))];
      // Two rules with one reason are told apart by the step (attributes flags vs attributes2 flags).
      const bySteps = RULES.filter((r) => names.includes(r.id)).every((r) => r.refusal && r.steps);
      return names.length === 1 || (names.length > 1 && bySteps) ? [] : [`${s.where} ${s.code} "${s.sample}": ${names.length ? names.join(', ') : 'no rule'}`];
    });
    assert.deepEqual(problems, []);
  });

  it('has unique ids', () => {
    const ids = RULES.map((r) => r.id);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  it('every rule is met by a catalog scenario on some profile, or listed with a reason', (t) => {
    const met = new Set<string>();
    const unnamed = new Set<string>();
    const entries = loadCatalog().flatMap((e) => (e.kind === 'scenario' ? [e.instance] : []));
    for (const name of profileNames()) {
      const profile = getProfile(name);
      const coverage = new Coverage(profile);
      for (const instance of entries) {
        const kvm = openModel(profile);
        coverage.listen();
        try {
          runInstance(kvm, instance, { afterStep: (_h, report) => coverage.afterStep(instance.steps[report.index]!, report) });
        } finally {
          coverage.stop();
          kvm.close();
        }
      }
      for (const id of coverage.counts.keys()) met.add(id);
      for (const reason of coverage.unnamed.keys()) unnamed.add(reason);
    }
    t.diagnostic(`${met.size} of ${RULES.length} rules met by the catalog`);
    assert.deepEqual([...unnamed], [], 'refusals the registry does not name');
    const missing = RULES.filter((r) => !met.has(r.id) && !r.unreachable && !(r.id in CATALOG_GAPS)).map((r) => r.id);
    assert.deepEqual(missing, []);
  });
});
