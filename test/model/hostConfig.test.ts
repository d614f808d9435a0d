import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../src/conformance/catalog.js';
import { cpuAddressing, profileLike } from '../../src/model/hostConfig.js';
import { transparentHugepagesBuiltIn } from '../../src/hostThp.js';
import { isKvmError } from '../../src/errors.js';
import { openModel } from '../../src/open.js';
import { LINUX_6_18, LINUX_7_3 } from '../../src/model/profile.js';
import { runInstance } from '../../src/scenario/runner.js';
import { kernelCase } from '../backends.js';
import { GUEST_MEMFD_FLAG_INIT_SHARED, GUEST_MEMFD_FLAG_MMAP } from '../../src/uapi/flags.js';

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

it('transparent huge pages are read from the host (the THP sysfs directory), and profileLike carries them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gmem-thp-'));
  try {
    assert.equal(transparentHugepagesBuiltIn(dir), true);
    assert.equal(transparentHugepagesBuiltIn(join(dir, 'missing')), false);
  } finally {
    rmSync(dir, { recursive: true });
  }
  using kvm = openModel();
  assert.equal(profileLike(kvm, LINUX_6_18, { physicalBits: 46, la57: false }, false).transparentHugepages, false);
  assert.equal(profileLike(kvm, LINUX_6_18, { physicalBits: 46, la57: false }, true).transparentHugepages, true);
  assert.equal(profileLike(kvm, LINUX_6_18, { physicalBits: 46, la57: false }).transparentHugepages, transparentHugepagesBuiltIn());
});

describe('features() says whether madvise knows the huge page advices', () => {
  it('the model: its profile', () => {
    for (const thp of [true, false]) {
      using model = openModel({ ...LINUX_7_3, transparentHugepages: thp });
      assert.equal(model.features().transparentHugepages, thp);
    }
  });
  const kernel = kernelCase();
  it('the kernel: what its madvise answers', { skip: kernel.skip }, () => {
    // Judged by the kernel, not by the sysfs reader features() itself uses: madvise knows
    // MADV_HUGEPAGE (a guest_memfd mapping takes it) exactly when THP is built in.
    using k = kernel.open();
    using vm = k.createVm(0);
    using file = vm.createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED });
    using map = file.mmap();
    let knows = true;
    try {
      map.madvise('MADV_HUGEPAGE');
    } catch (err) {
      assert.ok(isKvmError(err, 'EINVAL'), String(err));
      knows = false;
    }
    assert.equal(k.features().transparentHugepages, knows);
  });
});

describe('madvise follows the THP configuration: the catalog runs the check that fits it and skips the other', () => {
  const checks = loadCatalog('mmap.madvise*').flatMap((e) => (e.kind === 'scenario' ? [e] : []));
  const byId = (id: string) => checks.find((c) => c.id === id)!.instance;

  for (const thp of [true, false]) {
    it(`a kernel ${thp ? 'with' : 'without'} transparent huge pages`, () => {
      using kvm = openModel({ ...LINUX_7_3, transparentHugepages: thp });
      const run = (id: string) => runInstance(kvm, byId(id));
      assert.equal(run('mmap.madvise').status, 'pass', run('mmap.madvise').reason);
      const [runs, skips] = thp ? ['mmap.madvise_hugepage', 'mmap.madvise_hugepage_without_thp'] : ['mmap.madvise_hugepage_without_thp', 'mmap.madvise_hugepage'];
      assert.equal(run(runs).status, 'pass', run(runs).reason);
      const skipped = run(skips);
      assert.equal(skipped.status, 'skip');
      assert.match(skipped.reason!, thp ? /profile linux-7.3 has transparent huge pages/ : /profile linux-7.3 is built without transparent huge pages/);
      if (!thp) {
        // The errnos are the catalog checks' above; the model's reason says which rule answered.
        const m = kvm.createVm(0).createGuestMemfd({ size: 4096, flags: GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED }).mmap();
        assert.throws(() => m.madvise('MADV_HUGEPAGE'), { code: 'EINVAL', message: /madvise does not know MADV_HUGEPAGE: the kernel is built without transparent huge pages/ });
      }
    });
  }
});
