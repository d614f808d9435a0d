/**
 * The explorer on large files: a 1 TiB guest_memfd with 1, 50, 100 and 2,000 private pages spread
 * through it. Prints, per size, the median time to read the model's state into a snapshot, the
 * trace's JSON size, and (where Chromium is installed) the median time the page takes to draw
 * one step, measured inside the page around the synchronous redraw.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { openModel } from '../src/open.js';
import { snapshot } from '../src/explore/snapshot.js';
import { startExplorer } from '../src/explore/server.js';
import type { Trace } from '../src/explore/traceTypes.js';
import { median } from './stats.js';

/** The page's globals, for the function run inside it (this file compiles without the DOM library). */
declare const document: { dispatchEvent(e: unknown): boolean; body: { offsetHeight: number } };
declare const KeyboardEvent: new (type: string, init: { key: string }) => unknown;

const TIB = 1n << 40n;
const PAGES = Number(TIB / 4096n);
const ROUNDS = 21;
const CHROMIUM = process.env.GMEM_CHROMIUM ?? '/usr/bin/chromium';

function traceFor(privatePages: number): { trace: Trace; snapshotMs: number } {
  const kvm = openModel('inplace');
  const vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
  const file = vm.createGuestMemfd({ size: TIB, flags: 0x3n });
  for (let i = 0; i < privatePages; i++) file.conversion!.toPrivate(BigInt(Math.floor(((i + 0.5) * PAGES) / privatePages)) * 4096n, 4096n);
  const handles = new Map<string, unknown>([['vm', vm], ['f', file]]);
  const times: number[] = [];
  let snap = snapshot(handles);
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    snap = snapshot(handles);
    times.push(performance.now() - t0);
  }
  file.close();
  vm.close();
  kvm.close();
  const step = (index: number) => ({ index, do: 'convertToPrivate', step: {}, expected: 'ok', outcome: 'ok', ok: true, after: snap });
  return {
    trace: { id: `tib-${privatePages}`, description: '', origin: 'bench', backend: 'model (inplace)', status: 'pass', steps: [step(0), step(1)] },
    snapshotMs: median(times),
  };
}

const rows: Array<{ privatePages: number; segments: number; snapshotMs: number; jsonKiB: number; drawMs?: number }> = [];
const browser = existsSync(CHROMIUM)
  ? await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
  : undefined;
for (const privatePages of [1, 50, 100, 2000]) {
  const { trace, snapshotMs } = traceFor(privatePages);
  const row: (typeof rows)[number] = { privatePages, segments: trace.steps[0]!.after.files[0]!.segments.length, snapshotMs, jsonKiB: JSON.stringify({ traces: [trace] }).length / 1024 };
  if (browser) {
    const server = await startExplorer([trace], 0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
    row.drawMs = await page.evaluate((rounds) => {
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // Alternate between the two steps: each key press redraws everything synchronously.
        const key = r % 2 === 0 ? 'ArrowRight' : 'ArrowLeft';
        const t0 = performance.now();
        document.dispatchEvent(new KeyboardEvent('keydown', { key }));
        void document.body.offsetHeight; // Force layout, so the time includes it.
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    }, ROUNDS);
    await page.close();
    await server.close();
  }
  rows.push(row);
}
await browser?.close();
console.log(`explorer, 1 TiB file (${PAGES} pages), medians of ${ROUNDS}${browser ? '' : `; no Chromium at ${CHROMIUM}, drawing not measured`}`);
for (const r of rows) {
  console.log(
    `  ${String(r.privatePages).padStart(5)} private pages: ${String(r.segments).padStart(5)} segments, snapshot ${r.snapshotMs.toFixed(3)} ms, trace ${r.jsonKiB.toFixed(1)} KiB` +
      (r.drawMs !== undefined ? `, draw one step ${r.drawMs.toFixed(1)} ms` : ''),
  );
}
