/**
 * A differential run configures the model from the kernel in front of it: the in-place series'
 * capability (the number the user set), kvm.gmem_in_place_conversion, whether the VM-wide
 * attributes ioctl is built in, and whether VMs with private memory accept INIT_SHARED, on top of
 * the release profile chosen for the kernel. Checked against the kernel double, which answers as
 * the in-place kernel did (docs/kernel-behaviour.md#in-place-conversion), in its three builds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kvm } from '../../src/api.js';
import { isKvmError } from '../../src/errors.js';
import { kernelProfileChoice, profileLike } from '../../src/model/hostConfig.js';
import { askInPlace, withInPlaceLike } from '../../src/model/inPlaceConfig.js';
import { INPLACE_V13, LINUX_7_3, RFC_1G_V2 } from '../../src/model/profile.js';
import { openModel } from '../../src/open.js';
import { KernelDouble, V13_DEFAULT_BUILD, doubleKvm, inPlaceParameterFile, type DoubleConfig } from '../kernel/fixtures/kernelDouble.js';

const CPU = { physicalBits: 46, la57: false };

function kernel(config: DoubleConfig, parameter: 'Y' | 'N' | undefined, inPlaceCapability?: number): Kvm {
  return doubleKvm(new KernelDouble(config), { inPlaceParameterPath: inPlaceParameterFile(parameter), ...(inPlaceCapability ? { inPlaceCapability } : {}) });
}

/** What a differential run compares for the series' configuration, asked of any backend. */
function answers(kvm: Kvm, cap: number) {
  const vmIoctl = (type: number) => {
    try {
      kvm.createVm(type).setMemoryAttributes({ address: 0, size: 4096, attributes: 8 });
      return 'ok';
    } catch (err) {
      return isKvmError(err) ? err.code : String(err);
    }
  };
  return {
    system: kvm.checkExtension(cap),
    swVm: kvm.createVm(1).checkExtension(cap),
    defaultVm: kvm.createVm(0).checkExtension(cap),
    swFlags: kvm.createVm(1).checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'),
    vmAttributes: kvm.createVm(1).checkExtension('KVM_CAP_MEMORY_ATTRIBUTES'),
    vmIoctlPrivate: vmIoctl(1),
  };
}

describe('the model configured like an in-place kernel', () => {
  it('the default build: in-place on, INIT_SHARED for private VMs, no VM ioctl; the release rules stay 7.3', () => {
    const like = profileLike(kernel(V13_DEFAULT_BUILD, 'Y'), LINUX_7_3, CPU);
    assert.deepEqual(like.inPlace, { ioctl: 'attributes2', capability: 250 });
    assert.equal(like.gmemInPlaceConversion, true);
    assert.equal(like.vmMemoryAttributes, false);
    assert.equal(like.initSharedWithPrivateMem, true);
    assert.equal(like.release, LINUX_7_3.release, 'EEXIST for overlapping bindings etc. come from the release');
    assert.deepEqual(like.vmTypes, [0, 1]);
    assert.equal(like.maxNumNodes, 64, 'MAX_NUMNODES as the build answers (NODES_SHIFT 6), not Debian\'s 1024');
    assert.equal(profileLike(kernel({ ...V13_DEFAULT_BUILD, maxNumNodes: 1024 }, 'Y'), LINUX_7_3, CPU).maxNumNodes, 1024);
    assert.match(like.description, /capability 250 answers 8, kvm\.gmem_in_place_conversion=Y, no VM-wide KVM_SET_MEMORY_ATTRIBUTES \(ENOTTY\)/);
  });

  it('so configured, the model answers every configuration question as the kernel does, in each of the three builds', () => {
    const builds: [DoubleConfig, 'Y' | 'N'][] = [
      [V13_DEFAULT_BUILD, 'Y'],
      [{ ...V13_DEFAULT_BUILD, vmAttributesIoctl: true }, 'Y'],
      [{ ...V13_DEFAULT_BUILD, inPlace: false, vmAttributesIoctl: true }, 'N'],
    ];
    for (const [config, parameter] of builds) {
      const k = kernel(config, parameter);
      using model = openModel(profileLike(k, LINUX_7_3, CPU));
      assert.deepEqual(answers(model, 250), answers(k, 250), `${JSON.stringify(config)} parameter ${parameter}`);
      assert.equal(model.features().inPlaceParameter, parameter);
    }
  });

  it('the parameter off: PRIVATE per VM as in 6.18, the VM ioctl built in', () => {
    const like = profileLike(kernel({ ...V13_DEFAULT_BUILD, inPlace: false, vmAttributesIoctl: true }, 'N'), LINUX_7_3, CPU);
    assert.equal(like.inPlace, null);
    assert.equal(like.gmemInPlaceConversion, false);
    assert.equal(like.vmMemoryAttributes, true);
    assert.equal(like.initSharedWithPrivateMem, false);
  });

  it('the number the user set for the capability is the one the model answers to', () => {
    const like = profileLike(kernel({ ...V13_DEFAULT_BUILD, capability: 249 }, 'Y', 249), LINUX_7_3, CPU);
    assert.deepEqual(like.inPlace, { ioctl: 'attributes2', capability: 249 });
  });

  it('a kernel without the series leaves the release profile as it is', () => {
    const like = profileLike(kernel({ ...V13_DEFAULT_BUILD, inPlace: false }, undefined), LINUX_7_3, CPU);
    assert.equal(like.inPlace, null);
    assert.equal(like.gmemInPlaceConversion, undefined);
    assert.doesNotMatch(like.description, /in-place/);
  });

  it('--profile with the other conversion ioctl (RFC v2) is kept, not rewritten', () => {
    const k = kernel(V13_DEFAULT_BUILD, 'Y');
    const a = askInPlace(k, [0, 1], RFC_1G_V2.privateMemVmTypes);
    assert.equal(withInPlaceLike(RFC_1G_V2, a), RFC_1G_V2);
  });

  it("a run's note says what the kernel said about the series", () => {
    const { profile, note } = kernelProfileChoice(() => kernel(V13_DEFAULT_BUILD, 'Y'), INPLACE_V13);
    assert.equal(profile.inPlace?.capability, 250);
    assert.match(note, /^profile inplace-v13 \(--profile\); in-place conversion series: capability 250 answers 8/);
    assert.match(note, /INIT_SHARED offered to VMs with private memory/);
  });
});
