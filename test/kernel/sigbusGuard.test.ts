/**
 * The SIGBUS guard survives JavaScript's own signal handling. Node installs a handler of its own
 * when a 'SIGBUS' listener is added and the default one when the last listener goes; before the
 * guard re-checked its installation, a guarded read of a refused page then spun at 100% CPU (a
 * handler that returns re-runs the faulting load) or died of SIGBUS. Each case runs in a child
 * process with a timeout; the refused page is a shared memfd mapping past the file's end, so no
 * /dev/kvm is needed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../src/kernel/native.js';

const native = loadNative();
const addonPath = JSON.stringify(fileURLToPath(new URL('../../../build/gmem_native.node', import.meta.url)));

/** A mapping whose every page raises SIGBUS (the file is empty), and a guarded read of it. */
const MAP = `const fd = addon.memfdCreate('guard'); const page = addon.mmap(4096n, 3, 1, fd, 0n);
  const guardedRead = () => addon.guardedRead(page, new Uint8Array(16));`;

function child(script: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout.trim(), timedOut: r.error !== undefined };
}

function assertGuarded(script: string, expected = 'copied 0 0 0'): void {
  const r = child(script);
  assert.equal(r.timedOut, false, 'the guarded read returned (no spin)');
  assert.equal(r.signal, null, 'no signal killed the process');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, expected);
}

describe('the SIGBUS guard and JavaScript SIGBUS listeners', { skip: native.ok ? false : 'native addon unavailable' }, () => {
  it('a listener added after the addon loads: a guarded read of a refused page is a short copy, not a spin', () => {
    assertGuarded(`const addon = require(${addonPath}); ${MAP}
      process.on('SIGBUS', () => {});
      console.log('copied', guardedRead(), guardedRead(), guardedRead()); process.exit(0);`);
  });

  it('a listener added before the addon loads: the guard still holds', () => {
    assertGuarded(`process.on('SIGBUS', () => {}); const addon = require(${addonPath}); ${MAP}
      console.log('copied', guardedRead(), guardedRead(), guardedRead()); process.exit(0);`);
  });

  it('a listener added, then removed: a guarded read is a short copy, not death by SIGBUS', () => {
    assertGuarded(`const addon = require(${addonPath}); ${MAP}
      const listener = () => {}; process.on('SIGBUS', listener); guardedRead(); process.off('SIGBUS', listener);
      console.log('copied', guardedRead(), guardedRead(), guardedRead()); process.exit(0);`);
  });

  it('a listener added and removed around each read, many times: every read is a short copy', () => {
    assertGuarded(`const addon = require(${addonPath}); ${MAP}
      let total = 0;
      for (let i = 0; i < 200; i++) { const l = () => {}; process.on('SIGBUS', l); total += guardedRead(); process.off('SIGBUS', l); total += guardedRead(); }
      console.log('copied', total, guardedRead(), 0); process.exit(0);`);
  });

  it('a sent SIGBUS still reaches a JavaScript listener installed after the addon (the guard chains to it)', () => {
    assertGuarded(
      `const addon = require(${addonPath}); ${MAP}
      process.on('SIGBUS', () => { console.log('heard', guardedRead()); process.exit(0); });
      guardedRead(); process.kill(process.pid, 'SIGBUS'); setTimeout(() => {}, 5000);`,
      'heard 0',
    );
  });

  it('after the last listener is removed, a SIGBUS outside a guarded copy still kills the process', () => {
    const r = child(`const addon = require(${addonPath}); ${MAP}
      const l = () => {}; process.on('SIGBUS', l); guardedRead(); process.off('SIGBUS', l); guardedRead();
      process.kill(process.pid, 'SIGBUS'); setTimeout(() => console.log('survived'), 300);`);
    assert.equal(r.timedOut, false);
    assert.equal(r.signal, 'SIGBUS');
    assert.equal(r.stdout, '');
  });
});
