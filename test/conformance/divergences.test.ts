/**
 * The known divergences are data (catalog/divergences.json) cited by name from the steps that show
 * them: every entry is complete and cited by a catalog step, and every fuzzer recognizer is keyed
 * by an entry's name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { catalogFiles } from '../../src/conformance/catalog.js';
import type { Step } from '../../src/scenario/types.js';
import { RECOGNIZERS, knownDivergence, knownDivergences, recognizeDivergence } from '../../src/conformance/divergences.js';

describe('known divergences', () => {
  const entries = knownDivergences();

  it('each has a name, an explanation, the kernel answer that marks it and a source', () => {
    assert.ok(entries.length >= 3);
    for (const d of entries) {
      assert.match(d.name, /^[a-z0-9][a-z0-9-]*$/);
      assert.ok(d.why.length > 80, `${d.name}: why`);
      assert.ok(Object.keys(d.kernel).length > 0, `${d.name}: kernel answer`);
      assert.ok(d.source.length > 0, `${d.name}: source`);
    }
    assert.equal(new Set(entries.map((d) => d.name)).size, entries.length, 'names are unique');
  });

  it('each is cited by a catalog step', () => {
    // Read as plain JSON: the loader (which checks each name exists) runs in the catalog's own tests.
    const steps = catalogFiles().flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { steps: { divergence?: string }[] }).steps);
    const cited = new Set(steps.flatMap((s) => (s.divergence ? [s.divergence] : [])));
    for (const d of entries) assert.ok(cited.has(d.name), `${d.name} is cited by no catalog step`);
  });

  it("the fuzzer's recognizers are keyed by names of the data file", () => {
    for (const name of Object.keys(RECOGNIZERS)) assert.ok(entries.some((d) => d.name === name), name);
  });

  it('a marked step is a known divergence only with the kernel answer the entry gives', () => {
    const step = { do: 'guestRead', vm: 'vm', gpa: 0, length: 2, divergence: 'pvm-hva-fault-mmio' } as const;
    assert.equal(knownDivergence(step, { exit: 'KVM_EXIT_MMIO' })?.name, 'pvm-hva-fault-mmio');
    assert.equal(knownDivergence(step, { errno: 'EFAULT' }), undefined);
    assert.equal(knownDivergence({ do: 'guestRead', vm: 'vm', gpa: 0, length: 2 }, { exit: 'KVM_EXIT_MMIO' }), undefined);
  });
});

describe('recognizing the pvm host MMIO exits in random sequences', { skip: existsSync('/sys/module/kvm_pvm') ? false : 'only on a kvm_pvm host: elsewhere the same answer is a finding' }, () => {
  // A read of 8 KiB from 4 GiB + 4 KiB: the model serves the slot's last page and stops past it.
  const step = { do: 'guestRead', vm: 'vm', gpa: '4294971392', length: '8192' } as const;
  const model = { exit: 'KVM_EXIT_MMIO', gpa: '0x100002000', isWrite: false };
  const mmio = (gpa: string, isWrite = false) => ({ exit: 'KVM_EXIT_MMIO', gpa, isWrite });

  it('an MMIO exit at an earlier byte of the access, one the model served, is pvm-gmem-uaddr0-mmio', () => {
    assert.equal(recognizeDivergence(step, model, mmio('0x100001000'))?.name, 'pvm-gmem-uaddr0-mmio');
    assert.equal(recognizeDivergence(step, model, mmio('0x100001fff'))?.name, 'pvm-gmem-uaddr0-mmio');
  });

  it('an exit at the same byte, a later one, one before the access or of the other direction is not', () => {
    assert.equal(recognizeDivergence(step, model, mmio('0x100002000')), undefined);
    assert.equal(recognizeDivergence(step, model, mmio('0x100002001')), undefined);
    assert.equal(recognizeDivergence(step, model, mmio('0x100000fff')), undefined);
    assert.equal(recognizeDivergence(step, model, mmio('0x100001000', true)), undefined);
  });
});

describe('recognizing the pvm host read through a write-only mapping in random sequences', { skip: existsSync('/sys/module/kvm_pvm') ? false : 'only on a kvm_pvm host: elsewhere the same answer is a finding' }, () => {
  // The differential fuzzer's finding inside the in-place kernel, which this host answers the other way.
  const before = (prots: (number | string[])[], slotFlags = '0x0') => [
    { do: 'createVm', as: 'vm0' },
    { do: 'createGuestMemfd', vm: 'vm0', as: 'f1', size: '8192', flags: '0x3' },
    { do: 'mmap', file: 'f1', as: 'm2', length: '8192' },
    { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '0', flags: slotFlags, guestPhysAddr: '0x100000', memorySize: '8192', userspaceAddr: { mappingOf: 'm2', plus: '0' } },
    ...prots.map((prot) => ({ do: 'mprotect', map: 'm2', prot })),
  ] as Step[];
  const read = { do: 'guestRead', vm: 'vm0', gpa: '0x101000', length: '1' } as Step;
  const efault = { errno: 'EFAULT' } as const;
  const served = { ok: '00' } as const;

  it('a read the model refused and the kernel served, through an ordinary slot over a write-only mapping, is pvm-gup-write-only-read', () => {
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([2]))?.name, 'pvm-gup-write-only-read');
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([['PROT_WRITE']], '0x2'))?.name, 'pvm-gup-write-only-read');
    // An mprotect to PROT_WRITE|PROT_EXEC was refused (noexec) and left the write-only protection.
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([2, 6]))?.name, 'pvm-gup-write-only-read');
  });

  it('not when the mapping is readable, never made write-only, the slot is bound to a file or the answers differ otherwise', () => {
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([2, 3])), undefined);
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([])), undefined);
    assert.equal(recognizeDivergence(read, efault, served, 'linux-6.18', before([2], '0x4')), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, served, 'linux-6.18', before([2])), undefined);
    assert.equal(recognizeDivergence({ ...read, do: 'guestWrite', fill: 1 } as Step, efault, { ok: true }, 'linux-6.18', before([2])), undefined);
  });
});

describe('recognizing the v8 in-place slot path in random sequences', () => {
  // Shrunk from the 10-minute fuzz inside v8 of the in-place series ported onto 7.3: a SW_PROTECTED
  // VM, a file without MMAP bound to a slot at userspace_addr 0, a shared access.
  const before = (fileFlags: string, slotFlags = '0x4') => [
    { do: 'createVm', as: 'vm0', type: 1 },
    { do: 'createGuestMemfd', vm: 'vm0', as: 'f1', size: '16384', flags: fileFlags },
    { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '1', flags: slotFlags, guestPhysAddr: '2^32', memorySize: '8192', guestMemfd: 'f1', guestMemfdOffset: '0' },
  ] as Step[];
  const read = { do: 'guestRead', vm: 'vm0', gpa: '4294971392', length: '8' } as Step;
  const write = { do: 'guestWrite', vm: 'vm0', gpa: '2^32', length: '8', fill: 207 } as Step;
  const efault = { errno: 'EFAULT' } as const;

  it('a shared access through a slot whose file has no MMAP, the model serving it and the kernel EFAULT, is the v8 divergence', () => {
    assert.equal(recognizeDivergence(read, { ok: '0000000000000000' }, efault, 'linux-7.3', before('0x0'))?.name, 'inplace-v8-slot-read-via-hva');
    assert.equal(recognizeDivergence(write, { ok: true }, efault, 'linux-7.3', before('0x0'))?.name, 'inplace-v8-slot-write-via-hva');
    assert.equal(recognizeDivergence(read, { exit: 'KVM_EXIT_MEMORY_FAULT', gpa: '0x100001000' }, efault, 'linux-7.3', before('0x0'))?.name, 'inplace-v8-slot-read-via-hva');
  });

  it('a later refused slot call naming no file does not hide the slot (a DEFAULT VM, its file closed)', () => {
    const steps = [...before('0x0'), { do: 'close', handle: 'f1' }, { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '3', flags: '0x4', guestPhysAddr: '36864', memorySize: '2^47', guestMemfd: '999999', guestMemfdOffset: '1' }] as Step[];
    assert.equal(recognizeDivergence({ ...read, kind: 'shared' } as Step, { exit: 'KVM_EXIT_MEMORY_FAULT', gpa: '0x100001000' }, efault, 'linux-7.3', steps)?.name, 'inplace-v8-slot-read-via-hva');
  });

  it('not for a file with MMAP, an ordinary slot, an access outside the slot, a private access, another answer or another release', () => {
    assert.equal(recognizeDivergence(read, { ok: '00' }, efault, 'linux-7.3', before('0x1')), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, efault, 'linux-7.3', before('0x0', '0x0')), undefined);
    assert.equal(recognizeDivergence({ ...read, gpa: '4294975488' } as Step, { ok: '00' }, efault, 'linux-7.3', before('0x0')), undefined);
    assert.equal(recognizeDivergence({ ...read, kind: 'private' } as Step, { ok: '00' }, efault, 'linux-7.3', before('0x0')), undefined);
    assert.equal(recognizeDivergence(read, { errno: 'EFAULT' }, { errno: 'EINVAL' }, 'linux-7.3', before('0x0')), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, efault, 'linux-6.18', before('0x0')), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, efault, 'linux-7.3', []), undefined);
  });
});

describe('the stale MMIO entry of a software-protected VM, in random sequences', () => {
  // fuzz.seed1.finding0 inside the in-place build: a write with no slot there (MMIO at its first
  // byte), a private guest_memfd slot over the same gfn, then a read there: the kernel exits
  // (no PRIVATE flag), the model serves the page.
  const at = (type: number | string, touch: Step[]) => [
    { do: 'createVm', as: 'vm2', type },
    ...touch,
    { do: 'createGuestMemfd', vm: 'vm2', as: 'f7', size: '16384', flags: '0x1' },
    { do: 'setUserMemoryRegion2', vm: 'vm2', slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: '16384', guestMemfd: 'f7', guestMemfdOffset: '0' },
  ] as Step[];
  const touch = [{ do: 'guestWrite', vm: 'vm2', gpa: '4294967296', length: '8192', fill: 95 }] as Step[];
  const read = { do: 'guestRead', vm: 'vm2', gpa: '2^32+8', length: '8' } as Step;
  const fault = { exit: 'KVM_EXIT_MEMORY_FAULT', gpa: '0x100000000', flags: '0' };

  it('is recognized at the gfn where an access began while no slot covered it', () => {
    assert.equal(recognizeDivergence(read, { ok: '0000000000000000' }, fault, 'linux-7.3', at(1, touch))?.name, 'sw-protected-stale-mmio-shared');
    assert.equal(recognizeDivergence(read, { ok: '0000000000000000' }, fault, 'linux-7.3', at('KVM_X86_SW_PROTECTED_VM', touch))?.name, 'sw-protected-stale-mmio-shared');
  });

  it('not on a DEFAULT VM, past the gfn the MMIO exit stopped at, touched only once a slot was there, after a private access, with the PRIVATE flag, or where the model exits too', () => {
    assert.equal(recognizeDivergence(read, { ok: '00' }, fault, 'linux-7.3', at(0, touch)), undefined);
    assert.equal(recognizeDivergence({ ...read, gpa: '2^32+4096' } as Step, { ok: '00' }, { ...fault, gpa: '0x100001000' }, 'linux-7.3', at(1, touch)), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, fault, 'linux-7.3', [...at(1, []), ...touch]), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, fault, 'linux-7.3', at(1, [{ ...touch[0]!, kind: 'private' } as Step])), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, { ...fault, flags: '8' }, 'linux-7.3', at(1, touch)), undefined);
    assert.equal(recognizeDivergence(read, { exit: 'KVM_EXIT_MEMORY_FAULT', gpa: '0x100000000' }, fault, 'linux-7.3', at(1, touch)), undefined);
    assert.equal(recognizeDivergence(read, { ok: '00' }, fault, 'linux-7.3', at(1, touch).slice(0, -1)), undefined);
  });
});

describe('recognizers read the live slot over the access', () => {
  const gmemSlotNoMmap = [
    { do: 'createVm', as: 'vm0', type: 0 },
    { do: 'createGuestMemfd', vm: 'vm0', as: 'f1', size: '8192', flags: '0x0' },
    { do: 'setUserMemoryRegion2', vm: 'vm0', slot: '1', flags: '0x4', guestPhysAddr: '2^32', memorySize: '8192', guestMemfd: 'f1', guestMemfdOffset: '0' },
  ] as Step[];
  const read = { do: 'guestRead', vm: 'vm0', gpa: '2^32', length: '8' } as Step;

  it('a guest_memfd slot deleted and replaced by an ordinary one is not the v8 divergence any more', () => {
    const replaced = [...gmemSlotNoMmap,
      { do: 'setUserMemoryRegion', vm: 'vm0', slot: '1', guestPhysAddr: '2^32', memorySize: '0', userspaceAddr: '0' },
      { do: 'setUserMemoryRegion', vm: 'vm0', slot: '2', guestPhysAddr: '2^32', memorySize: '8192', userspaceAddr: '0' }] as Step[];
    assert.equal(recognizeDivergence(read, { ok: '00' }, { errno: 'EFAULT' }, 'linux-7.3', gmemSlotNoMmap)?.name, 'inplace-v8-slot-read-via-hva');
    assert.equal(recognizeDivergence(read, { ok: '00' }, { errno: 'EFAULT' }, 'linux-7.3', replaced), undefined);
  });
});
