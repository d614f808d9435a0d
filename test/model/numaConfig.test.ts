/**
 * MAX_NUMNODES is asked of the kernel (an empty mbind with one high node bit), never assumed:
 * a build with NODES_SHIFT 6 refuses node 1023 where Debian's (NODES_SHIFT 10) takes it, which a
 * differential fuzz inside such a build found. The probe is checked against models built both
 * ways, and against this machine's kernel where there is one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openModel } from '../../src/open.js';
import { LINUX_6_12, LINUX_6_18 } from '../../src/model/profile.js';
import { maxNumNodesOf } from '../../src/model/numaConfig.js';
import { kernelCase } from '../backends.js';

describe('MAX_NUMNODES of the kernel in front of us', () => {
  for (const max of [1024, 64, 2]) {
    it(`reads ${max} from a kernel built with MAX_NUMNODES ${max}`, () => {
      using kvm = openModel({ ...LINUX_6_18, maxNumNodes: max });
      assert.equal(maxNumNodesOf(kvm), max);
    });
  }

  it('is unknown where no guest_memfd can be mapped (no MMAP flag: 6.12)', () => {
    using kvm = openModel(LINUX_6_12);
    assert.equal(maxNumNodesOf(kvm), undefined);
  });

  const kernel = kernelCase();
  it('this machine\'s kernel answers a power of two', { skip: kernel.skip }, (t) => {
    using kvm = kernel.open();
    const max = maxNumNodesOf(kvm);
    if (max === undefined) return t.skip('no GUEST_MEMFD_FLAG_MMAP on this kernel: nothing to ask through');
    assert.ok(max >= 1 && max <= 1024 && (max & (max - 1)) === 0, `MAX_NUMNODES ${max}`);
  });
});
