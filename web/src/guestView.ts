/** A VM's memslots in guest-physical order, each with the VM-wide attributes of its frames. */
import type { FileView, SlotView, VmView } from '../../src/explore/traceTypes.js';
import { el, formatBytes, hex } from './format.js';

/** The bound file's pages under the slot: whether each run is private or shared in the file. */
function filePagesUnder(slot: SlotView, files: FileView[]): HTMLElement | null {
  const file = slot.gmem?.file ? files.find((f) => f.handle === slot.gmem!.file) : undefined;
  if (!file || file.released) return null;
  const first = Number(BigInt(slot.gmem!.offset) / 4096n);
  const count = Number(BigInt(slot.size) / 4096n);
  const strip = el('div', { class: 'gpa-attrs gpa-file', title: `${file.handle}'s pages under this slot` });
  for (const seg of file.segments) {
    const start = Math.max(seg.start, first);
    const end = Math.min(seg.end, first + count);
    if (start >= end) continue;
    const part = el('div', { class: `gpa-attr ${seg.private ? 'private' : 'shared'}`, 'data-private': String(seg.private), title: `${file.handle} pages ${start}..${end}: ${seg.private ? 'private' : 'shared'}` });
    part.style.flexGrow = String(Math.max((end - start) / count, 0.02));
    strip.append(part);
  }
  return strip;
}

function slotBox(slot: SlotView, files: FileView[]): HTMLElement {
  const target = slot.gmem
    ? slot.gmem.file === null
      ? 'guest_memfd (file released)'
      : `→ ${slot.gmem.file} @ ${hex(slot.gmem.offset)}${slot.gmem.gmemOnly ? ' (guest_memfd only)' : ''}`
    : `host ${hex(slot.userspaceAddr)}`;
  const attrs = el('div', { class: 'gpa-attrs' });
  const first = BigInt(slot.attributes[0]?.startGfn ?? '0');
  const total = Number(BigInt(slot.size) / 4096n) || 1;
  for (const a of slot.attributes) {
    const share = Math.max(Number(BigInt(a.endGfn) - BigInt(a.startGfn)) / total, 0.02);
    const part = el('div', {
      class: `gpa-attr ${a.private ? 'private' : 'shared'}`,
      title: `gfn ${hex(a.startGfn)}..${hex(a.endGfn)}: KVM_SET_MEMORY_ATTRIBUTES ${a.private ? 'PRIVATE' : 'none'}`,
      'data-private': String(a.private),
      'data-offset': String(BigInt(a.startGfn) - first),
    });
    part.style.flexGrow = String(share);
    attrs.append(part);
  }
  return el(
    'div',
    { class: 'gpa-slot', 'data-slot': String(slot.slot), title: `slot ${slot.slot}, flags ${hex(slot.flags)}` },
    el('div', { class: 'gpa-label' }, el('strong', {}, `slot ${slot.slot}`), ` ${hex(slot.gpa)} +${formatBytes(slot.size)}`),
    el('div', { class: 'gpa-target' }, target),
    el('div', { class: 'gpa-caption' }, 'VM attributes (KVM_SET_MEMORY_ATTRIBUTES)'),
    attrs,
    ...(() => {
      const pages = filePagesUnder(slot, files);
      return pages ? [el('div', { class: 'gpa-caption' }, `${slot.gmem!.file}'s pages (private or shared in the file)`), pages] : [];
    })(),
  );
}

/** One address space's slots in GPA order, with the gaps between them. */
function addressSpaceRow(slots: SlotView[], files: FileView[]): HTMLElement {
  const row = el('div', { class: 'gpa-row' });
  let end: bigint | null = null;
  for (const slot of slots) {
    const start = BigInt(slot.gpa);
    if (end !== null && start > end) row.append(el('div', { class: 'gpa-gap', title: `no memslot for ${formatBytes(start - end)}: accesses exit as MMIO` }, 'gap'));
    row.append(slotBox(slot, files));
    end = start + BigInt(slot.size);
  }
  return row;
}

export function renderVm(vm: VmView, files: FileView[]): HTMLElement {
  // Slots are numbered as_id << 16 | id; each address space (1 is SMM on x86) has its own GPA space.
  const spaces = new Map<number, SlotView[]>();
  for (const slot of vm.slots) {
    const as = slot.slot >> 16;
    spaces.set(as, [...(spaces.get(as) ?? []), slot]);
  }
  const rows = [...spaces.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([as, slots]) => [...(spaces.size > 1 || as !== 0 ? [el('div', { class: 'gpa-caption' }, `address space ${as}${as === 1 ? ' (SMM)' : ''}`)] : []), addressSpaceRow(slots, files)]);
  if (vm.slots.length === 0) rows.push(el('div', { class: 'gpa-row' }, el('div', { class: 'gpa-empty' }, 'no memslots')));
  return el(
    'section',
    { class: 'vm', 'data-vm': vm.handle },
    el('div', { class: 'file-head' }, el('strong', {}, vm.handle), ` VM type ${vm.type}, guest-physical view${vm.closed ? ' (descriptor closed)' : ''}`),
    ...rows,
  );
}
