/**
 * The state of everything a scenario made, read from the model: each guest_memfd as runs of
 * pages with the same properties, each VM's memslots and the guest-physical attributes under
 * them. Runs come from the model's range maps, so a 1 TiB file with three conversions is a
 * handful of segments, never 2^28 pages.
 */
import type { Fragment } from '../model/rangeMap.js';
import type { FdHandle, HostMapping } from '../api.js';
import { PageState, type GmemInode } from '../model/guestMemfd/inode.js';
import type { ModelHostMapping } from '../model/hostMapping.js';
import { modelInode, modelMapping, modelVmState } from '../model/inspect.js';
import type { VmState } from '../model/vmState.js';
import { pageOf, pageOffset } from '../uapi/memory.js';
import { sameSegmentProps, type FileSegment, type FileView, type PageStateName, type SlotView, type Snapshot, type VmView } from './traceTypes.js';

/** More segments than this in one file are cut off: nobody reads them, and the page stays fast. */
export const MAX_SEGMENTS_PER_FILE = 4096;

const STATE_NAMES: Record<number, PageStateName> = {
  [PageState.Hole]: 'hole',
  [PageState.Allocated]: 'allocated',
  [PageState.Uptodate]: 'uptodate',
};

/** A sorted list of fragments, read by walking forward. */
class Cursor {
  private i = 0;
  constructor(private readonly frags: readonly Fragment[], private readonly fallback = 0) {}
  valueAt(page: number): number {
    while (this.i < this.frags.length && this.frags[this.i]!.end <= page) this.i++;
    const f = this.frags[this.i];
    return f && f.start <= page ? f.value : this.fallback;
  }
}

/** Per page, how many of the given [start, end) intervals cover it, as fragments. */
function coverage(intervals: Array<[number, number]>, size: number): Fragment[] {
  const deltas = new Map<number, number>();
  for (const [s, e] of intervals) {
    deltas.set(s, (deltas.get(s) ?? 0) + 1);
    deltas.set(e, (deltas.get(e) ?? 0) - 1);
  }
  const points = [...deltas.keys()].sort((a, b) => a - b);
  const out: Fragment[] = [];
  let count = 0;
  let from = 0;
  for (const p of points) {
    if (p > from && count > 0) out.push({ start: from, end: p, value: count });
    count += deltas.get(p)!;
    from = p;
  }
  if (from < size && count > 0) out.push({ start: from, end: size, value: count });
  return out;
}

function fileSegments(inode: GmemInode, mappings: ModelHostMapping[]): { segments: FileSegment[]; truncated: boolean } {
  const size = inode.pageCount;
  if (size === 0) return { segments: [], truncated: false };
  const state = [...inode.pageState.ranges()];
  const attrs = [...inode.attributes.ranges()];
  const binds = [...inode.bindingRanges()];
  const pins = inode.pins.countRanges();
  const maps = coverage(
    mappings.map((m) => {
      const first = pageOf(m.offset);
      return [Math.min(first, size), Math.min(first + pageOf(m.length), size)] as [number, number];
    }).filter(([s, e]) => e > s),
    size,
  );
  const cuts = new Set<number>([0]);
  for (const list of [state, attrs, binds, pins, maps]) for (const f of list) cuts.add(f.start).add(f.end);
  const points = [...cuts].filter((p) => p < size).sort((a, b) => a - b);
  const cur = { state: new Cursor(state), attrs: new Cursor(attrs), binds: new Cursor(binds), pins: new Cursor(pins), maps: new Cursor(maps) };
  const segments: FileSegment[] = [];
  for (let i = 0; i < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1] ?? size;
    const bound = cur.binds.valueAt(start);
    const seg: FileSegment = {
      start,
      end,
      state: STATE_NAMES[cur.state.valueAt(start)] ?? 'hole',
      private: cur.attrs.valueAt(start) !== 0,
      slot: bound === 0 ? null : bound - 1,
      mapped: cur.maps.valueAt(start),
      pins: cur.pins.valueAt(start),
    };
    const last = segments[segments.length - 1];
    if (last && sameSegmentProps(last, seg)) last.end = end;
    else {
      if (segments.length === MAX_SEGMENTS_PER_FILE) return { segments, truncated: true };
      segments.push(seg);
    }
  }
  return { segments, truncated: false };
}

/** The state of every model object among a scenario's handles. Other backends' handles are ignored. */
export function snapshot(handles: ReadonlyMap<string, unknown>): Snapshot {
  const files: Array<[string, FdHandle, GmemInode]> = [];
  const mappings: Array<[string, HostMapping, ModelHostMapping]> = [];
  const vms: Array<[string, FdHandle & { type: number }, VmState]> = [];
  for (const [name, h] of handles) {
    const inode = modelInode(h);
    const mapping = modelMapping(h);
    const vm = modelVmState(h);
    if (inode) files.push([name, h as FdHandle, inode]);
    else if (mapping) mappings.push([name, h as HostMapping, mapping]);
    else if (vm) vms.push([name, h as FdHandle & { type: number }, vm]);
  }
  const nameOfInode = new Map<GmemInode, string>(files.map(([name, , inode]) => [inode, name]));
  const fileViews: FileView[] = files.map(([name, f, inode]) => {
    const live = mappings.filter(([, m, model]) => m.mapped && model.inode === inode);
    const released = inode.released;
    const { segments, truncated } = released ? { segments: [], truncated: false } : fileSegments(inode, live.map(([, , model]) => model));
    return {
      handle: name,
      mappings: live.map(([n]) => n),
      size: inode.size.toString(),
      flags: `0x${inode.flags.toString(16)}`,
      pageBytes: 2 ** inode.pageLog2,
      pageCount: inode.pageCount,
      fdClosed: f.closed,
      released,
      segments,
      truncated,
    };
  });
  const vmViews: VmView[] = vms.map(([name, vm, state]) => ({
    handle: name,
    type: vm.type,
    closed: vm.closed,
    slots: [...state.slots.values()]
      .sort((a, b) => a.baseGfn - b.baseGfn)
      .map((slot): SlotView => ({
        slot: slot.key,
        gpa: pageOffset(slot.baseGfn).toString(),
        size: pageOffset(slot.npages).toString(),
        flags: slot.flags,
        userspaceAddr: slot.userspaceAddr.toString(),
        gmem: slot.gmem
          ? {
              file: slot.gmem.inode ? (nameOfInode.get(slot.gmem.inode) ?? '(unnamed)') : null,
              offset: pageOffset(slot.gmem.pgoff).toString(),
              gmemOnly: slot.gmem.gmemOnly,
            }
          : null,
        attributes: state.attributeRanges(slot.baseGfn, slot.baseGfn + slot.npages).map((f) => ({
          startGfn: String(f.start),
          endGfn: String(f.end),
          private: f.value !== 0,
        })),
      })),
  }));
  return { files: fileViews, vms: vmViews };
}
