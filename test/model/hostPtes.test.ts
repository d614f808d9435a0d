/**
 * The model's get_user_pages rule (src/model/hostPtes.ts) as a table: every protection, with and
 * without a page table entry, for each way the kernel asks (KVM's hva_to_pfn for a guest read or
 * write, a read of a READONLY slot, lookup_node's get_user_pages_fast). The catalog checks
 * (catalog/guest/gup_*.json) hold the same rule against real kernels; this pins each cell.
 * Also the zap of a file range in a mapping that starts inside the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostPtes, gupStep, type GupRequest } from '../../src/model/hostPtes.js';
import { PROT_NONE, PROT_READ, PROT_WRITE } from '../../src/uapi/flags.js';

const ASKS: Record<string, GupRequest> = {
  'guest read': { write: false, fast: 'write' },
  'guest write': { write: true, fast: 'write' },
  'guest read, READONLY slot': { write: false, fast: 'none' },
  'lookup_node': { write: false, fast: 'read' },
};

const PROTS: Record<string, number> = { NONE: PROT_NONE, READ: PROT_READ, WRITE: PROT_WRITE, 'READ|WRITE': PROT_READ | PROT_WRITE };

/** [without an entry, with one] per protection and ask, written out from gup_fast_pte_range and check_vma_flags. */
const EXPECTED: Record<string, Record<string, [string, string]>> = {
  NONE: { 'guest read': ['vma-flags', 'vma-flags'], 'guest write': ['vma-flags', 'vma-flags'], 'guest read, READONLY slot': ['vma-flags', 'vma-flags'], lookup_node: ['vma-flags', 'vma-flags'] },
  // A read-only entry is not what KVM's fast path asks for: the slow path reads it.
  READ: { 'guest read': ['fault', 'fault'], 'guest write': ['vma-flags', 'vma-flags'], 'guest read, READONLY slot': ['fault', 'fault'], lookup_node: ['fault', 'fast'] },
  // The case the fuzzer found: readable only through an entry, and never through a READONLY slot.
  WRITE: { 'guest read': ['vma-flags', 'fast'], 'guest write': ['fault', 'fast'], 'guest read, READONLY slot': ['vma-flags', 'vma-flags'], lookup_node: ['vma-flags', 'fast'] },
  'READ|WRITE': { 'guest read': ['fault', 'fast'], 'guest write': ['fault', 'fast'], 'guest read, READONLY slot': ['fault', 'fault'], lookup_node: ['fault', 'fast'] },
};

describe('get_user_pages through a host mapping (model rule)', () => {
  for (const [protName, prot] of Object.entries(PROTS)) {
    for (const [ask, req] of Object.entries(ASKS)) {
      it(`${protName}, ${ask}: ${EXPECTED[protName]![ask]!.join(' without an entry, ')} with one`, () => {
        const ptes = new HostPtes(0, 2);
        ptes.populate(1, 2);
        assert.deepEqual([gupStep(ptes, 0, prot, req), gupStep(ptes, 1, prot, req)], EXPECTED[protName]![ask]);
      });
    }
  }
});

describe('page table entries of a mapping', () => {
  it('start empty, are made by a fault and zapped by file range, clipped to the mapping', () => {
    // A mapping of file pages [2, 5).
    const ptes = new HostPtes(2, 3);
    assert.deepEqual([0, 1, 2].map((p) => ptes.isPresent(p)), [false, false, false]);
    ptes.populate(0, 3);
    ptes.zapFilePages(0, 2); // Before the mapping: nothing.
    ptes.zapFilePages(5, 9); // After it: nothing.
    assert.deepEqual([0, 1, 2].map((p) => ptes.isPresent(p)), [true, true, true]);
    ptes.zapFilePages(0, 3); // File page 2 is the mapping's first.
    assert.deepEqual([0, 1, 2].map((p) => ptes.isPresent(p)), [false, true, true]);
    ptes.zapFilePages(4, 100);
    assert.deepEqual([0, 1, 2].map((p) => ptes.isPresent(p)), [false, true, false]);
  });
});
