import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { cpuAddressing, profileLike } from '../../src/model/hostConfig.js';
import { openModel } from '../../src/open.js';
import { LINUX_6_18 } from '../../src/model/profile.js';

it('cpuAddressing reads MAXPHYADDR and la57 from /proc/cpuinfo text', () => {
  assert.deepEqual(cpuAddressing('flags\t\t: fpu vme la57 pse\naddress sizes\t: 46 bits physical, 57 bits virtual\n'), { physicalBits: 46, la57: true });
  assert.deepEqual(cpuAddressing('flags\t\t: fpu vme\naddress sizes\t: 48 bits physical, 48 bits virtual\n'), { physicalBits: 48, la57: false });
  assert.deepEqual(cpuAddressing(''), { physicalBits: undefined, la57: false });
});

it('profileLike takes configuration from the kernel\'s answers and the CPU, never behaviour', () => {
  using kvm = openModel(); // A kernel with everything: TDP, four VM types, SMM.
  const like = profileLike(kvm, LINUX_6_18, { physicalBits: 46, la57: true });
  assert.deepEqual(like.vmTypes, LINUX_6_18.vmTypes);
  assert.equal(like.maxGpaBits, 46, 'TDP maps what the CPU can address');
  assert.equal(like.userAddressMax, (1n << 56n) - 4096n);
  assert.equal(like.addressSpaces, 2);
  assert.equal(like.inPlace, LINUX_6_18.inPlace);
  using shadow = openModel({ ...LINUX_6_18, tdp: false, vmTypes: [0], vmMemoryAttributes: false, addressSpaces: 1 });
  const host = profileLike(shadow, LINUX_6_18, { physicalBits: 46, la57: false });
  assert.deepEqual(host.vmTypes, [0]);
  assert.equal(host.maxGpaBits, 52, 'shadow paging maps 52 bits');
  assert.equal(host.vmMemoryAttributes, false);
  assert.equal(host.addressSpaces, 1);
});

it('a kernel built without THP refuses MADV_HUGEPAGE and MADV_NOHUGEPAGE, and profileLike reads which this one is', () => {
  using kvm = openModel();
  assert.equal(profileLike(kvm, LINUX_6_18).transparentHugepage, existsSync('/sys/kernel/mm/transparent_hugepage'));
  for (const [thp, expected] of [[true, undefined], [false, 'EINVAL']] as const) {
    using model = openModel({ ...LINUX_6_18, transparentHugepage: thp });
    using vm = model.createVm(0);
    using file = vm.createGuestMemfd({ size: 4096, flags: 3 });
    using map = file.mmap();
    for (const advice of ['MADV_HUGEPAGE', 'MADV_NOHUGEPAGE'] as const) {
      let code: string | undefined;
      try {
        map.madvise(advice);
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      assert.equal(code, expected, `${advice} with THP ${thp}`);
    }
    map.madvise('MADV_WILLNEED'); // Other hints do not depend on it.
  }
});
