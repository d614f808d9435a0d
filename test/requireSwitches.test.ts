/** GMEM_REQUIRE_BROWSER and GMEM_REQUIRE_KERNEL (set by .ci/run) turn skips into failures. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BROWSER_TEST = fileURLToPath(new URL('./explore/browser.test.js', import.meta.url));
const BACKENDS = new URL('./backends.js', import.meta.url).href;

function nodeTest(env: Record<string, string>): { status: number | null; stdout: string } {
  // The file run on its own (node runs a test file's tests and reports them; one process, where
  // `node --test` would start a second), not a subtest of this one; and the switch only as each
  // case sets it (CI sets it for us).
  const { NODE_TEST_CONTEXT: _, GMEM_REQUIRE_BROWSER: _switch, ...rest } = process.env;
  return spawnSync(process.execPath, ['--test-reporter=tap', BROWSER_TEST], { encoding: 'utf8', env: { ...rest, ...env } });
}

describe('GMEM_REQUIRE_BROWSER', () => {
  it('without Chromium the browser test skips and says why', () => {
    const r = nodeTest({ GMEM_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /# SKIP no Chromium at \/nonexistent\/chromium/);
  });
  it('under GMEM_REQUIRE_BROWSER=1 a missing Chromium fails the browser test', () => {
    const r = nodeTest({ GMEM_CHROMIUM: '/nonexistent/chromium', GMEM_REQUIRE_BROWSER: '1' });
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stdout, /GMEM_REQUIRE_BROWSER=1, but no Chromium at \/nonexistent\/chromium/);
  });
});

describe('GMEM_REQUIRE_KERNEL', () => {
  const script = `const { kernelCase } = await import(${JSON.stringify(BACKENDS)});
const c = kernelCase();
let opened = 'opened';
try { c.open().close(); } catch (e) { opened = e.message; }
console.log(JSON.stringify({ skip: c.skip, opened }));`;
  function kernelCaseWith(env: Record<string, string>): { skip: string | false; opened: string } {
    const { GMEM_REQUIRE_KERNEL: _switch, ...inherited } = process.env; // CI sets it; each case decides
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...inherited, GMEM_KVM_DEVICE: '/nonexistent/kvm', ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { skip: string | false; opened: string };
  }
  it('without a kernel the kernel-backed tests skip with the reason', () => {
    assert.match(String(kernelCaseWith({}).skip), /kernel backend unavailable: .*(\/nonexistent\/kvm|addon)/);
  });
  it('under GMEM_REQUIRE_KERNEL=1 they run and fail with the reason', () => {
    const c = kernelCaseWith({ GMEM_REQUIRE_KERNEL: '1' });
    assert.equal(c.skip, false);
    assert.match(c.opened, /GMEM_REQUIRE_KERNEL=1, but kernel backend unavailable/);
  });
});
