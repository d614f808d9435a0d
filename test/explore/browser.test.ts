/**
 * The explorer in real headless Chromium (Debian's package, driven by playwright-core): it loads
 * a catalog scenario, steps forward and back, and the strips it draws are the model's state. A
 * screenshot goes to test-output/explorer/. Skips, saying why, where Chromium is not installed
 * (.ci/run installs it; GMEM_REQUIRE_BROWSER=1 there turns the skip into a failure).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { exploreTraces } from '../../src/explore/load.js';
import { startExplorer, type ExplorerServer } from '../../src/explore/server.js';
import { snapshot } from '../../src/explore/snapshot.js';
import { openModel } from '../../src/open.js';
import { ELEMENT_LIMIT } from '../../src/explore/traceTypes.js';

const CHROMIUM = process.env.GMEM_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'explorer');
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does; GMEM_CHROMIUM names another)`;
// Under GMEM_REQUIRE_BROWSER=1 (.ci/run) a missing browser fails the suite instead of skipping it.
const skip = missing !== undefined && process.env.GMEM_REQUIRE_BROWSER !== '1' ? missing : false;

/** The flags a sandboxed root session needs, and no calls to the network it does not have. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the page's elements offer here; the test compiles without the DOM library. */
type WithDataset = { dataset: Record<string, string | undefined> };

interface DrawnSegment {
  start: number;
  end: number;
  state: string;
  private: boolean;
  slot: string;
  changed: boolean;
}

function segmentsOf(page: Page, file: string): Promise<DrawnSegment[]> {
  return page.$$eval(`.strip[data-file="${file}"] .segment[data-start]`, (nodes) =>
    nodes.map((n) => {
      const d = (n as unknown as WithDataset).dataset;
      return { start: Number(d.start), end: Number(d.end), state: d.state!, private: d.private === 'true', slot: d.slot!, changed: d.changed === 'true' };
    }),
  );
}

describe('explorer in headless Chromium', { skip }, () => {
  let browser: Browser;
  let server: ExplorerServer;
  let page: Page;
  const errors: string[] = [];

  /** A page whose errors and console errors are collected for the last check. */
  async function openPage(): Promise<Page> {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    return p;
  }

  before(async () => {
    if (missing !== undefined) assert.fail(`GMEM_REQUIRE_BROWSER=1, but ${missing}`);
    server = await startExplorer(exploreTraces({}), 0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    page = await openPage();
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens before the first step with the scenario named and nothing drawn yet', async () => {
    assert.equal(await page.textContent('#title'), 'conversion.indexing');
    assert.equal(await page.textContent('#position'), 'start / 14');
    assert.equal(await page.locator('.strip').count(), 0);
    assert.equal(await page.locator('#steps li').count(), 14);
  });

  it('draws the file once created: four shared pages, not allocated, then bound to slot 1', async () => {
    await page.click('#next');
    await page.click('#next');
    assert.deepEqual(await segmentsOf(page, 'f'), [{ start: 0, end: 4, state: 'hole', private: false, slot: '', changed: true }]);
    await page.click('#next');
    assert.deepEqual(await segmentsOf(page, 'f'), [{ start: 0, end: 4, state: 'hole', private: false, slot: '1', changed: true }]);
    assert.match((await page.textContent('.gpa-slot[data-slot="1"]')) ?? '', /0x100000000 \+16 KiB.*→ f @ 0x0 \(guest_memfd only\)/s);
  });

  it('shows the conversion: only page 2 turns private, and only it is marked changed', async () => {
    while ((await page.textContent('#steps li.current .step-name'))?.includes('convertToPrivate') !== true) await page.keyboard.press('ArrowRight');
    assert.deepEqual(await segmentsOf(page, 'f'), [
      { start: 0, end: 2, state: 'uptodate', private: false, slot: '1', changed: false },
      { start: 2, end: 3, state: 'uptodate', private: true, slot: '1', changed: true },
      { start: 3, end: 4, state: 'uptodate', private: false, slot: '1', changed: false },
    ]);
    const underSlot = await page.$$eval('.gpa-slot[data-slot="1"] .gpa-file .gpa-attr', (ns) => ns.map((n) => (n as unknown as WithDataset).dataset.private));
    assert.deepEqual(underSlot, ['false', 'true', 'false']);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'explorer.png'), fullPage: true });
  });

  it('shows the next step\'s SIGBUS as its outcome, then steps back to the state before the conversion', async () => {
    await page.click('#next');
    assert.match((await page.textContent('#step-detail td[data-field="model (inplace-v13)"]')) ?? '', /^SIGBUS at mapping offset 8192$/);
    assert.equal(await page.locator('#steps li.current.error').count(), 1);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual((await segmentsOf(page, 'f')).map((s) => [s.start, s.end, s.private]), [[0, 4, false]]);
  });

  it('draws a 1 TiB file by its ranges', async () => {
    const dir = join(tmpdir(), `gmem-explore-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'huge.json');
    const tib = 2 ** 40;
    writeFileSync(file, JSON.stringify({
      name: 'explore.huge',
      description: 'A 1 TiB file with one allocated range and one private page.',
      requires: { vmType: 'KVM_X86_SW_PROTECTED_VM', inPlace: true },
      steps: [
        { do: 'createVm', as: 'vm', type: 'KVM_X86_SW_PROTECTED_VM' },
        { do: 'createGuestMemfd', vm: 'vm', as: 'big', size: tib, flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
        { do: 'allocate', file: 'big', offset: tib / 2, len: 2 ** 21 },
        { do: 'convertToPrivate', file: 'big', offset: tib - 4096, size: 4096 },
      ],
    }));
    const huge = await startExplorer(exploreTraces({ scenario: file }), 0);
    try {
      const p = await openPage();
      await p.goto(huge.url);
      await p.waitForSelector('body[data-ready="true"]');
      await p.keyboard.press('End');
      const drawn = await segmentsOf(p, 'big');
      assert.deepEqual(drawn.map((s) => [s.start, s.end, s.state, s.private]), [
        [0, 2 ** 27, 'hole', false],
        [2 ** 27, 2 ** 27 + 512, 'allocated', false],
        [2 ** 27 + 512, 2 ** 28 - 1, 'hole', false],
        [2 ** 28 - 1, 2 ** 28, 'hole', true],
      ]);
      // The one private page of 2^28 is still wide enough to see.
      const width = await p.$eval('.segment[data-private="true"]', (n) => n.getBoundingClientRect().width);
      assert.ok(width >= 4, `private page drawn ${width}px wide`);
      // Widths to scale otherwise: the unallocated first half takes about half the strip.
      const [half, strip] = await p.$$eval('.strip[data-file="big"] .segment, .strip[data-file="big"]', (ns) => [ns[1]!.getBoundingClientRect().width, ns[0]!.getBoundingClientRect().width]);
      assert.ok(Math.abs(half! / strip! - 0.5) < 0.02, `first half drawn ${half} of ${strip}px`);
      assert.match((await p.textContent('.file-head')) ?? '', /big 1 TiB, flags 0x3, 268435456 pages/);
      await p.close();
    } finally {
      await huge.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('paints a file of more segments than elements can carry, to scale, one private page still visible', async () => {
    const kvm = openModel('inplace');
    const vm = kvm.createVm('KVM_X86_SW_PROTECTED_VM');
    const file = vm.createGuestMemfd({ size: 1n << 40n, flags: 0x3n });
    const pages = 2 ** 28;
    const privatePages = ELEMENT_LIMIT + 100;
    for (let i = 0; i < privatePages; i++) file.conversion!.toPrivate(BigInt(Math.floor(((i + 0.5) * pages) / privatePages)) * 4096n, 4096n);
    const after = snapshot(new Map<string, unknown>([['vm', vm], ['many', file]]));
    file.close();
    vm.close();
    kvm.close();
    const step = { index: 0, do: 'convertToPrivate', step: {}, expected: 'ok', outcome: 'ok', ok: true, after };
    const painted = await startExplorer([{ id: 'painted', description: '', origin: 'test', backend: 'model (inplace)', status: 'pass', steps: [step] }], 0);
    try {
      const p = await openPage();
      await p.goto(painted.url);
      await p.waitForSelector('body[data-ready="true"]');
      await p.keyboard.press('End');
      const strip = p.locator('.strip.canvas[data-file="many"]');
      assert.equal(await strip.getAttribute('data-segments'), String(2 * privatePages + 1));
      assert.equal(await strip.getAttribute('data-private-pages'), String(privatePages));
      // The pixel column of the first private page is painted private; the one halfway to the next is not.
      const colours = await p.$eval('.strip-canvas', (c, n) => {
        const canvas = c as unknown as { width: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const at = (x: number) => [...canvas.getContext('2d').getImageData(Math.floor(x), 14, 1, 1).data.slice(0, 3)].join(',');
        return [at((0.5 / n) * canvas.width), at((1 / n) * canvas.width)];
      }, privatePages);
      assert.deepEqual(colours, ['201,179,227', '243,243,243']); // private but not allocated; not allocated
      await p.close();
    } finally {
      await painted.close();
    }
  });

  it('logged no errors in the page', () => {
    assert.deepEqual(errors, []);
  });
});
