/**
 * A strip for files with more segments than the page can lay out as elements: painted on a
 * canvas at the file's scale, in one pass over the segments. Segments narrower than a pixel
 * still get one, so a single private page in 1 TiB is a visible line. Hovering names the
 * segment under the pointer (binary search by page).
 */
import type { FileSegment, FileView } from '../../src/explore/traceTypes.js';
import { el } from './format.js';

const WIDTH = 1200;
const HEIGHT = 44;
const BAND = 5;

/** The same colours as the stylesheet's strips. */
const FILL = { shared: '#2e9e5b', private: '#6b3fa0', sharedAllocated: '#97cead', privateAllocated: '#b59fcf', hole: '#f3f3f3', privateHole: '#c9b3e3' };

function fillOf(seg: FileSegment): string {
  if (seg.state === 'hole') return seg.private ? FILL.privateHole : FILL.hole;
  if (seg.state === 'allocated') return seg.private ? FILL.privateAllocated : FILL.sharedAllocated;
  return seg.private ? FILL.private : FILL.shared;
}

export function renderCanvasStrip(file: FileView, changed: boolean[], describe: (seg: FileSegment) => string): HTMLElement {
  const canvas = el('canvas', { class: 'strip-canvas', width: String(WIDTH), height: String(HEIGHT), role: 'img' });
  const ctx = canvas.getContext('2d');
  const total = Math.max(file.pageCount, 1);
  const x = (page: number) => (page / total) * WIDTH;
  let privatePages = 0;
  if (ctx) {
    const paint = (seg: FileSegment, i: number) => {
      // Whole pixels (no blending into neighbours), at least one per run.
      const x0 = Math.floor(x(seg.start));
      const w = Math.max(Math.floor(x(seg.end)) - x0, 1);
      ctx.fillStyle = fillOf(seg);
      ctx.fillRect(x0, BAND, w, HEIGHT - 2 * BAND);
      if (seg.slot !== null) (ctx.fillStyle = '#f0a500'), ctx.fillRect(x0, 0, w, BAND);
      if (seg.mapped) (ctx.fillStyle = '#1a73e8'), ctx.fillRect(x0, HEIGHT - BAND, w, BAND);
      if (seg.pins) (ctx.fillStyle = '#d93025'), ctx.fillRect(x0, HEIGHT / 2 - 2, w, 4);
      // Changed runs get an orange edge above and below: an outline would cover a one-pixel run.
      if (changed[i]) (ctx.fillStyle = '#ff7a00'), ctx.fillRect(x0, 0, w, 2), ctx.fillRect(x0, HEIGHT - 2, w, 2);
    };
    // Runs narrower than a pixel go last, so their neighbours never paint over them.
    const narrow = (seg: FileSegment) => x(seg.end) - x(seg.start) < 1;
    file.segments.forEach((seg, i) => !narrow(seg) && paint(seg, i));
    file.segments.forEach((seg, i) => narrow(seg) && paint(seg, i));
    for (const seg of file.segments) if (seg.private) privatePages += seg.end - seg.start;
  }
  const atLeast = file.truncated ? 'at least ' : '';
  canvas.setAttribute('aria-label', `${atLeast}${file.segments.length} segments; ${atLeast}${privatePages} private pages of ${file.pageCount}`);
  canvas.addEventListener('mousemove', (e) => {
    const page = Math.floor(((e.offsetX / canvas.clientWidth) * total));
    let lo = 0;
    let hi = file.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (file.segments[mid]!.start <= page) lo = mid;
      else hi = mid - 1;
    }
    const seg = file.segments[lo];
    canvas.title = seg && page < seg.end ? describe(seg) : file.truncated ? 'past the segments drawn (the file has more)' : '';
  });
  return el('div', { class: 'strip canvas', 'data-file': file.handle, 'data-segments': String(file.segments.length), 'data-private-pages': String(privatePages) }, canvas);
}
