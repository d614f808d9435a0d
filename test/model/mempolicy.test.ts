import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { LINUX_6_18, LINUX_7_3, type Profile } from '../../src/model/profile.js';
import { openModel } from '../../src/open.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { runInstance } from '../../src/scenario/runner.js';
import { parseNodeList, memoryNodes } from '../../src/hostNodes.js';
import { expectCode } from '../helpers.js';
import { SparseRanges } from '../../src/model/sparseRanges.js';
import { UnsupportedError } from '../../src/errors.js';

const catalog = (name: string) => loadScenarioFile(join(process.cwd(), 'catalog', 'mempolicy', name))[0]!;
const twoNodes = (p: Profile): Profile => ({ ...p, memoryNodes: [0, 1] });

describe('NUMA memory policy on guest_memfd mappings (model)', () => {
  for (const base of [LINUX_6_18, LINUX_7_3]) {
    it(`the two-node catalog check passes on ${base.name} configured with nodes 0 and 1`, () => {
      using kvm = openModel(twoNodes(base));
      const r = runInstance(kvm, catalog('two_nodes.json'));
      assert.equal(r.status, 'pass', r.reason);
    });
  }

  it('the two-node check skips, saying why, where the profile has one memory node', () => {
    using kvm = openModel(LINUX_7_3);
    const r = runInstance(kvm, catalog('two_nodes.json'));
    assert.equal(r.status, 'skip');
    assert.match(r.reason ?? '', /needs 2 NUMA nodes with memory; this profile has 1 \(0\)/);
  });

  it('STRICT over populated pages a mask may exclude is refused as not modelled, and changes nothing', () => {
    using kvm = openModel(twoNodes(LINUX_7_3));
    const f = kvm.createVm().createGuestMemfd({ size: 8192, flags: 3n });
    const m = f.mmap();
    m.fill(0, 4096, 1);
    assert.throws(() => m.mbind({ mode: 'MPOL_BIND', nodes: [1], flags: ['MPOL_MF_STRICT'] }), UnsupportedError);
    assert.equal(m.getMempolicy(0).name, 'MPOL_DEFAULT');
    // The populated page cannot be misplaced by a mask holding every memory node: exact, and applied.
    m.mbind({ mode: 'MPOL_BIND', nodes: [0, 1], flags: ['MPOL_MF_STRICT'] });
    assert.deepEqual(m.getMempolicy(0).nodes, [0, 1]);
    // Over holes only: nothing to check, exact too.
    m.mbind({ mode: 'MPOL_BIND', nodes: [1], flags: ['MPOL_MF_STRICT'], offset: 4096 });
    assert.deepEqual(m.getMempolicy(4096).nodes, [1]);
  });

  it('the node of a page an interleaving policy placed is refused as not modelled; punching forgets it', () => {
    using kvm = openModel(twoNodes(LINUX_7_3));
    const f = kvm.createVm().createGuestMemfd({ size: 8192, flags: 3n });
    const m = f.mmap();
    m.mbind({ mode: 'MPOL_INTERLEAVE', nodes: [0, 1] });
    m.fill(0, 8192, 1);
    assert.throws(() => m.pageNode(0), UnsupportedError);
    f.punchHole(0, 8192);
    m.mbind({ mode: 'MPOL_PREFERRED', nodes: [1] });
    assert.equal(m.pageNode(4096), 1);
  });

  it('arguments the API cannot pass are refused before any backend sees them', () => {
    using kvm = openModel(LINUX_7_3);
    const m = kvm.createVm().createGuestMemfd({ size: 8192, flags: 3n }).mmap();
    assert.throws(() => m.mbind({ mode: 'MPOL_NOPE' }), RangeError);
    assert.throws(() => m.mbind({ mode: 'MPOL_BIND', nodes: [32768] }), RangeError);
    assert.throws(() => m.mbind({ mode: 'MPOL_BIND', nodes: [0], length: 8193 }), RangeError);
    assert.throws(() => m.mbind({ mode: 'MPOL_BIND', nodes: [0], modeFlags: ['MPOL_MF_STRICT'] }), RangeError);
    assert.throws(() => m.getMempolicy(8192), RangeError);
    assert.throws(() => m.mbind(undefined as never), TypeError);
    m.unmap();
    expectCode(() => m.getMempolicy(0), 'EBADF');
  });
});

describe("this machine's memory nodes", () => {
  it('reads kernel node lists', () => {
    assert.deepEqual(parseNodeList('0-2,5\n'), [0, 1, 2, 5]);
    assert.deepEqual(parseNodeList('0'), [0]);
    assert.deepEqual(parseNodeList('junk'), []);
  });

  it('takes the nodes with memory the cpuset allows', () => {
    const files: Record<string, string> = { '/sys/devices/system/node/has_memory': '0-1\n', '/proc/self/status': 'Name:\tx\nMems_allowed_list:\t1\n' };
    assert.deepEqual(memoryNodes((p) => files[p]!), [1]);
    assert.equal(memoryNodes(() => { throw new Error('no sysfs'); }), undefined);
  });
});

describe('sparse ranges (policies and placements by page)', () => {
  it('keeps any value but null (node 0 too), merges equal neighbours, finds the run around a page', () => {
    const r = new SparseRanges<number>((a, b) => a === b);
    r.set(2, 4, 0);
    r.set(4, 6, 0);
    r.set(8, 9, 1);
    assert.equal(r.at(2), 0);
    assert.equal(r.at(7), null);
    assert.deepEqual(r.pieces(0, 10).map((p) => [p.start, p.end, p.value]), [[0, 2, null], [2, 6, 0], [6, 8, null], [8, 9, 1], [9, 10, null]]);
    assert.deepEqual(r.runAround(3, 10), { start: 2, end: 6 });
    assert.deepEqual(r.runAround(7, 10), { start: 6, end: 8 });
    r.set(3, 5, null);
    assert.deepEqual(r.pieces(2, 6).map((p) => [p.start, p.end, p.value]), [[2, 3, 0], [3, 5, null], [5, 6, 0]]);
  });
});
