/**
 * The explorer's trace: what the model says after each step, as runs of pages. Checked against
 * the steps' known effects, on a 1 TiB file (a handful of segments, not 2^28 pages), with pins,
 * mappings and bindings overlapping, and after the file is released.
 */
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { catalogFiles } from '../../src/conformance/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { openKvm } from '../../src/open.js';
import { scenarioInstances } from '../../src/scenario/load.js';
import { traceInstance } from '../../src/explore/trace.js';
import { exploreTraces, DEFAULT_SCENARIO } from '../../src/explore/load.js';
import { MAX_SEGMENTS_PER_FILE, snapshot } from '../../src/explore/snapshot.js';
import type { FileSegment, Trace } from '../../src/explore/traceTypes.js';

function trace(steps: unknown[], profile = 'inplace', requires: Record<string, unknown> = {}): Trace {
  const [instance] = scenarioInstances({ name: 'explore.test', description: 'inline', requires, steps });
  return traceInstance(instance!, { openModel: () => openKvm({ backend: 'model', profile }), modelLabel: profile });
}

const seg = (start: number, end: number, rest: Partial<FileSegment> = {}): FileSegment => ({
  start, end, state: 'hole', private: false, slot: null, mapped: 0, pins: 0, ...rest,
});

const TIB = 2 ** 40;

describe('explorer trace', () => {
  it('follows the default scenario: the converted page alone turns private, the rest keeps its state', () => {
    const [t] = exploreTraces({});
    assert.ok(t);
    assert.equal(t.origin, relative(process.cwd(), DEFAULT_SCENARIO));
    assert.equal(t.status, 'pass');
    const convert = t.steps.find((s) => s.do === 'convertToPrivate');
    assert.ok(convert, 'the default scenario converts a page');
    const before = t.steps[convert.index - 1]!.after.files[0]!;
    const after = convert.after.files[0]!;
    assert.deepEqual(before.segments, [seg(0, 4, { state: 'uptodate', slot: 1, mapped: 1 })]);
    assert.deepEqual(after.segments, [
      seg(0, 2, { state: 'uptodate', slot: 1, mapped: 1 }),
      seg(2, 3, { state: 'uptodate', slot: 1, mapped: 1, private: true }),
      seg(3, 4, { state: 'uptodate', slot: 1, mapped: 1 }),
    ]);
    const sigbus = t.steps[convert.index + 1]!;
    assert.equal(sigbus.ok, false);
    assert.match(sigbus.outcome, /SIGBUS/);
    const vm = convert.after.vms[0]!;
    assert.deepEqual(vm.slots.map((s) => [s.slot, s.gpa, s.size, s.gmem?.file]), [[1, String(2 ** 32), '16384', 'f']]);
  });

  it('draws a 1 TiB file as a handful of segments', () => {
    const t = trace([
      { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: TIB, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
      { do: 'allocate', file: 'f', offset: TIB / 2, len: 8192 },
      { do: 'convertToPrivate', file: 'f', offset: TIB - 4096, size: 4096 },
    ]);
    assert.equal(t.status, 'pass', t.reason);
    const f = t.steps[3]!.after.files[0]!;
    assert.equal(f.pageCount, 2 ** 28);
    assert.equal(f.size, String(TIB));
    assert.deepEqual(f.segments, [
      seg(0, 2 ** 27),
      seg(2 ** 27, 2 ** 27 + 2, { state: 'allocated' }),
      seg(2 ** 27 + 2, 2 ** 28 - 1),
      seg(2 ** 28 - 1, 2 ** 28, { private: true }),
    ]);
  });

  it('counts overlapping mappings and pins per page, and lets pins outlive a punch', () => {
    const t = trace([
      { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 16384, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
      { do: 'mmap', file: 'f', as: 'a' },
      { do: 'mmap', file: 'f', as: 'b', offset: 8192, length: 8192 },
      { do: 'pin', file: 'f', as: 'p', offset: 4096, length: 8192 },
      { do: 'punchHole', file: 'f', offset: 4096, len: 4096 },
      { do: 'unmap', map: 'a' },
    ], 'inplace', { pins: true });
    assert.equal(t.status, 'pass', t.reason);
    assert.deepEqual(t.steps[4]!.after.files[0]!.segments, [
      seg(0, 1, { mapped: 1 }),
      seg(1, 2, { mapped: 1, pins: 1, state: 'uptodate' }), // Pinning faults the pages in.
      seg(2, 3, { mapped: 2, pins: 1, state: 'uptodate' }),
      seg(3, 4, { mapped: 2 }),
    ]);
    // The punched page left the file: its pin now holds the old page, so only page 2 stays pinned.
    assert.deepEqual(t.steps[5]!.after.files[0]!.segments, [seg(0, 2, { mapped: 1 }), seg(2, 3, { mapped: 2, pins: 1, state: 'uptodate' }), seg(3, 4, { mapped: 2 })]);
    const last = t.steps[6]!.after.files[0]!;
    assert.deepEqual(last.mappings, ['b']);
    assert.deepEqual(last.segments, [seg(0, 2), seg(2, 3, { mapped: 1, pins: 1, state: 'uptodate' }), seg(3, 4, { mapped: 1 })]);
  });

  it('marks a closed descriptor kept alive by its mapping, then the release', () => {
    const t = trace([
      { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 8192, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
      { do: 'setUserMemoryRegion2', vm: 'vm', slot: 3, flags: ['KVM_MEM_GUEST_MEMFD'], guestPhysAddr: 2 ** 32, memorySize: 8192, guestMemfd: 'f' },
      { do: 'mmap', file: 'f', as: 'm' },
      { do: 'close', handle: 'f' },
      { do: 'close', handle: 'vm' },
      { do: 'unmap', map: 'm' },
    ]);
    assert.equal(t.status, 'pass', t.reason);
    const closed = t.steps[4]!.after.files[0]!;
    assert.equal(closed.fdClosed, true);
    assert.equal(closed.released, false);
    assert.equal(t.steps[4]!.after.vms[0]!.slots[0]!.gmem?.file, 'f');
    const gone = t.steps[6]!.after;
    assert.equal(t.steps[5]!.after.vms[0]!.closed, true, 'the VM descriptor is closed');
    assert.equal(t.steps[5]!.after.vms[0]!.slots.length, 1, 'the mapping keeps the file, the file keeps the VM and its slot');
    assert.equal(gone.files[0]!.released, true);
    assert.deepEqual(gone.files[0]!.segments, []);
    assert.deepEqual(gone.vms[0]!.slots, [], 'the file held the last reference to the VM: it went too');
  });

  it('keeps a slot whose bound file was released while the VM lives, without its file', () => {
    const t = trace([
      { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: 8192, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
      { do: 'setUserMemoryRegion2', vm: 'vm', slot: 3, flags: ['KVM_MEM_GUEST_MEMFD'], guestPhysAddr: 2 ** 32, memorySize: 8192, guestMemfd: 'f' },
      { do: 'close', handle: 'f' },
    ]);
    assert.equal(t.status, 'pass', t.reason);
    const s = t.steps[3]!.after;
    assert.equal(s.files[0]!.released, true);
    assert.deepEqual(s.vms[0]!.slots.map((x) => [x.slot, x.gmem?.file]), [[3, null]]);
  });

  it('draws a huge-page file in 4 KiB pages, split where one page was converted', () => {
    const t = trace([
      { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
      { do: 'createGuestMemfd', vm: 'vm', as: 'h', size: 2 ** 22, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_HUGETLB'] },
      { do: 'convertToShared', file: 'h', offset: 4096, size: 4096 },
    ], 'hugetlb', { vmType: 'KVM_X86_SW_PROTECTED_VM', inPlace: true });
    assert.equal(t.status, 'pass', t.reason);
    const h = t.steps[2]!.after.files[0]!;
    assert.equal(h.pageBytes, 2 ** 21);
    assert.equal(h.pageCount, 1024);
    assert.deepEqual(h.segments, [seg(0, 1, { private: true }), seg(1, 2), seg(2, 1024, { private: true })]);
  });

  it(`cuts a file at ${MAX_SEGMENTS_PER_FILE} segments and says so`, () => {
    const kvm = openKvm({ backend: 'model', profile: 'inplace' });
    try {
      const handles = new Map<string, unknown>();
      const vm = kvm.createVm(1);
      const f = vm.createGuestMemfd({ size: 4096n * 2n * BigInt(MAX_SEGMENTS_PER_FILE + 8), flags: 0x3n });
      for (let p = 0; p < MAX_SEGMENTS_PER_FILE + 8; p++) f.conversion!.toPrivate(BigInt(p * 2 * 4096), 4096n);
      handles.set('f', f);
      const view = snapshot(handles).files[0]!;
      assert.equal(view.truncated, true);
      assert.equal(view.segments.length, MAX_SEGMENTS_PER_FILE);
      // Private and shared pages alternate from page 0; the cut falls after the last whole run.
      view.segments.forEach((s, i) => assert.deepEqual([s.start, s.end, s.private], [i, i + 1, i % 2 === 0]));
      f.close();
      vm.close();
    } finally {
      kvm.close();
    }
  });

  it('traces every catalog scenario: one state per step run, or the reason it was skipped', () => {
    const files = catalogFiles();
    assert.ok(files.length >= 60, `${files.length} files`);
    let traced = 0;
    for (const f of files) {
      const instances = loadScenarioFile(f);
      const traces = exploreTraces({ scenario: f });
      assert.equal(traces.length, instances.length, f);
      traces.forEach((t, i) => {
        if (t.status === 'skip') return assert.ok(t.reason, `${t.id} skipped without a reason`);
        assert.equal(t.status, 'pass', `${t.id}: ${t.reason}`);
        assert.equal(t.steps.length, instances[i]!.steps.length, t.id);
        traced++;
      });
    }
    assert.ok(traced >= 100, `${traced} instances traced`);
  });

  it('carries the kernel outcome beside the model when asked, and says where they differ', () => {
    const t = trace([{ do: 'createVm', as: 'vm' }]);
    assert.equal(t.other, undefined);
    // Two profiles that answer the in-place conversion capability differently (0, and its attributes).
    const both = traceInstance(scenarioInstances({ name: 'x', steps: [{ do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' }, { do: 'checkExtension', on: 'vm', cap: 250 }] })[0]!, {
      openModel: () => openKvm({ backend: 'model', profile: 'linux-6.18' }),
      modelLabel: 'model',
      other: { open: () => openKvm({ backend: 'model', profile: 'inplace' }), label: 'second model' },
    });
    assert.equal(both.other, 'second model');
    assert.deepEqual(both.steps.map((s) => [s.outcome, s.other?.agrees]), [['ok', true], ['ok 0', false]]);
    assert.match(both.steps[1]!.other!.outcome, /^ok [1-9]/);
  });
});
