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
import { isKvmError } from '../../src/errors.js';
import { GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';

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
  it('this machine\'s kernel refuses exactly the node bits at or past the answer', { skip: kernel.skip }, (t) => {
    using kvm = kernel.open();
    using vm = kvm.createVm(0);
    if ((BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS')) & BigInt(GUEST_MEMFD_FLAG_MMAP)) === 0n) return t.skip('no GUEST_MEMFD_FLAG_MMAP on this kernel: nothing to ask through');
    const max = maxNumNodesOf(kvm);
    assert.ok(max !== undefined, 'the kernel offers MMAP, so the probe must answer');
    using file = vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP });
    using map = file.mmap({ length: 4096 });
    const emptyMbind = (node: number) => () => map.mbind({ mode: 'MPOL_DEFAULT', nodes: [node], length: 0 });
    assert.doesNotThrow(emptyMbind(max - 1), `node ${max - 1} is below MAX_NUMNODES ${max}`);
    if (max < 1024) assert.throws(emptyMbind(max), (err) => isKvmError(err, 'EINVAL'));
  });
});
