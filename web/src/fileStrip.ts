/**
 * One guest_memfd drawn as a strip of its segments (runs of pages with the same state). Widths
 * follow the page count, with a floor so a one-page run in a 1 TiB file stays visible and
 * clickable; the number of elements is the number of segments, never of pages.
 */
import { ELEMENT_LIMIT, sameSegmentProps, type FileSegment, type FileView } from '../../src/explore/traceTypes.js';
import { el, formatBytes, pageSpan } from './format.js';
import { renderCanvasStrip } from './canvasStrip.js';


/**
 * For each segment, did any of its pages look different in the previous state of the file? One
 * walk over both sorted lists, so a file of thousands of segments stays linear.
 */
export function changedSegments(now: readonly FileSegment[], before: FileView | undefined): boolean[] {
  if (!before) return now.map(() => true);
  const old = before.segments;
  let j = 0;
  return now.map((seg) => {
    while (j < old.length && old[j]!.end <= seg.start) j++;
    for (let k = j; k < old.length && old[k]!.start < seg.end; k++) if (!sameSegmentProps(old[k]!, seg)) return true;
    return false;
  });
}

function describe(seg: FileSegment, file: FileView): string {
  const parts = [
    pageSpan(seg.start, seg.end),
    seg.private ? 'private' : 'shared',
    seg.state === 'hole' ? 'not allocated' : seg.state === 'allocated' ? 'allocated, not yet used' : 'in use',
    seg.slot === null ? 'not bound' : `bound to slot ${seg.slot}`,
  ];
  if (seg.mapped) parts.push(`mapped by ${seg.mapped} host mapping${seg.mapped === 1 ? '' : 's'}`);
  if (seg.pins) parts.push(`${seg.pins} pin${seg.pins === 1 ? '' : 's'}`);
  if (file.pageBytes > 4096) parts.push(`${formatBytes(file.pageBytes)} pages`);
  return parts.join(', ');
}

export function renderFile(file: FileView, before: FileView | undefined): HTMLElement {
  const status = file.released ? 'released' : file.fdClosed ? 'descriptor closed, kept by its mappings' : '';
  const head = el(
    'div',
    { class: 'file-head' },
    el('strong', {}, file.handle),
    ` ${formatBytes(file.size)}, flags ${file.flags}, ${file.pageCount} pages`,
    file.mappings.length ? `, mapped as ${file.mappings.join(', ')}` : '',
    status ? el('span', { class: 'file-status' }, ` (${status})`) : '',
  );
  const changedFlags = changedSegments(file.segments, before);
  const axis = el('div', { class: 'axis' }, el('span', {}, '0'), el('span', {}, formatBytes(file.size)));
  if (file.segments.length > ELEMENT_LIMIT) {
    const note = el('div', { class: 'strip-note' }, `${file.segments.length}${file.truncated ? '+' : ''} segments: painted to scale (hover for details)`);
    return el('section', { class: 'file', 'data-file': file.handle }, head, renderCanvasStrip(file, changedFlags, (seg) => describe(seg, file)), axis, note);
  }
  const strip = el('div', { class: 'strip', 'data-file': file.handle, role: 'list' });
  const total = Math.max(file.pageCount, 1);
  const nodes = file.segments.map((seg, i) => {
    // Widths to scale; the stylesheet's min-width keeps tiny runs visible (at most ELEMENT_LIMIT of them).
    const share = (seg.end - seg.start) / total;
    const changed = changedFlags[i]!;
    const classes = ['segment', seg.private ? 'private' : 'shared', seg.state];
    if (seg.slot !== null) classes.push('bound');
    if (seg.mapped) classes.push('mapped');
    if (seg.pins) classes.push('pinned');
    if (changed) classes.push('changed');
    const label = seg.slot !== null ? `slot ${seg.slot}` : '';
    const node = el('div', {
      class: classes.join(' '),
      role: 'listitem',
      title: describe(seg, file),
      'data-start': String(seg.start),
      'data-end': String(seg.end),
      'data-state': seg.state,
      'data-private': String(seg.private),
      'data-slot': seg.slot === null ? '' : String(seg.slot),
      'data-mapped': String(seg.mapped),
      'data-pins': String(seg.pins),
      'data-changed': String(changed),
    }, el('span', { class: 'slot-band' }, label));
    node.style.flexGrow = String(share);
    return node;
  });
  strip.append(...nodes);
  if (file.truncated) strip.append(el('div', { class: 'segment truncated', title: 'more segments than the page draws' }, '…'));
  if (file.released) strip.append(el('div', { class: 'segment gone' }, 'file released'));
  return el('section', { class: 'file', 'data-file': file.handle }, head, strip, axis);
}
