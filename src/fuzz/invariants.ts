/**
 * The model's own invariants, checked after each step of a model-only fuzz run: what must hold
 * whatever the calls were, so a broken model shows up without a kernel to compare with.
 * It reads the model's private fields on purpose (through narrow casts): the point is to check
 * the state as stored, not as the model's own accessors present it.
 */
import { PageState, SHARED, type GmemInode } from '../model/guestMemfd/inode.js';
import { modelInode, modelMapping, modelVmState } from '../model/inspect.js';
import type { RangeMap } from '../model/rangeMap.js';
import type { VmState } from '../model/vmState.js';
import type { StepReport } from '../scenario/runner.js';
import type { Step } from '../scenario/types.js';
import { u64Value } from '../scenario/values.js';

export class InvariantError extends Error {}

const broken = (what: string): never => {
  throw new InvariantError(what);
};

/** Private state read for checking only. */
const refsOf = (o: object): number => (o as unknown as { refs: number }).refs;
const storedPagesOf = (inode: GmemInode): number[] => [...(inode.contents as unknown as { pages: Map<number, Uint8Array> }).pages.keys()];
const bindingsOf = (inode: GmemInode): RangeMap | undefined => (inode as unknown as { bindings: RangeMap | undefined }).bindings;
const vmAttributesOf = (vm: VmState): RangeMap | null => (vm as unknown as { attributes: RangeMap | null }).attributes;

function checkMap(name: string, map: RangeMap): void {
  try {
    map.checkInvariants(); // Sorted, merged (no two neighbours with one value), counts right.
  } catch (err) {
    broken(`${name}: ${(err as Error).message}`);
  }
}

export function checkInode(inode: GmemInode, where: string): void {
  if (inode.released) {
    if (inode.contents.storedPages !== 0) broken(`${where}: a released file still stores ${inode.contents.storedPages} pages`);
    return;
  }
  if (refsOf(inode) < 1) broken(`${where}: a live file has ${refsOf(inode)} references`);
  checkMap(`${where} attributes`, inode.attributes);
  checkMap(`${where} page state`, inode.pageState);
  const bindings = bindingsOf(inode); // Made on the first bind.
  if (bindings) checkMap(`${where} bindings`, bindings);
  // Stored bytes only for pages someone touched (faulted in); a hole or a fresh allocation reads as zeros.
  for (const page of storedPagesOf(inode)) {
    if (page >= inode.pageCount) broken(`${where}: page ${page} stored past the end (${inode.pageCount} pages)`);
    if (inode.pageState.get(page) !== PageState.Uptodate) broken(`${where}: page ${page} is stored but was never faulted in`);
  }
  const slots = new Set<number>();
  for (const f of inode.bindingRanges()) if (f.value !== 0) slots.add(f.value - 1);
  if (slots.size !== inode.bindingCount) broken(`${where}: ${slots.size} slots in the binding map, ${inode.bindingCount} recorded`);
}

export function checkVm(vm: VmState, where: string): void {
  if (vm.destroyed) {
    if (vm.slots.size) broken(`${where}: a destroyed VM keeps ${vm.slots.size} slots`);
    return;
  }
  const attrs = vmAttributesOf(vm);
  if (attrs) checkMap(`${where} attributes`, attrs);
  let pages = 0n;
  for (const slot of vm.slots.values()) {
    pages += BigInt(slot.npages);
    const inode = slot.gmem?.inode;
    if (inode && inode.released) broken(`${where}: slot ${slot.key} points at a released file`);
  }
  if (pages !== vm.nrMemslotPages) broken(`${where}: slots hold ${pages} pages, the VM counts ${vm.nrMemslotPages}`);
}

/** A host read that succeeded returned only shared bytes: private memory never reaches the host. */
function checkHostRead(step: Step, report: StepReport, handles: ReadonlyMap<string, unknown>): void {
  if (step.do !== 'hostRead' || !('ok' in report.outcome)) return;
  const m = modelMapping(handles.get(step.map));
  if (!m) return;
  const start = m.offset + u64Value(step.offset, 'hostRead.offset');
  const first = Number(start / 4096n);
  const end = Number((start + u64Value(step.length, 'hostRead.length') + 4095n) / 4096n);
  const priv = m.inode.attributes.findFirst(first, Math.min(end, m.inode.pageCount), (v) => v !== SHARED);
  if (priv >= 0) broken(`hostRead returned the bytes of private page ${priv}`);
}

/** Every invariant over everything the run's handles reach. */
export function checkInvariants(step: Step, report: StepReport, handles: ReadonlyMap<string, unknown>): void {
  checkHostRead(step, report, handles);
  for (const [name, h] of handles) {
    const inode = modelInode(h) ?? modelMapping(h)?.inode;
    if (inode) checkInode(inode, name);
    const vm = modelVmState(h);
    if (vm) checkVm(vm, name);
  }
}
