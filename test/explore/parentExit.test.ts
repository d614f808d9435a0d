/** `gmem explore` stops when whoever started it is gone (npx runs it under `sh -c`). */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const GMEM = fileURLToPath(new URL('../../../bin/gmem.js', import.meta.url));

/** The children of `pid`, from /proc (a process scan, as `ps --ppid` would). */
function childrenOf(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
}

it('killing the shell that runs gmem explore (as npx does) stops the server too', async (t) => {
  if (!existsSync('/proc/self')) return t.skip('needs /proc to find the server process');
  // `; true` keeps sh from exec'ing node, so node is sh's child, as under npm's `sh -c`.
  const sh = spawn('sh', ['-c', `"${process.execPath}" "${GMEM}" explore --port 0; true`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 100 && !out.includes('http://'); i++) await sleep(100);
  assert.match(out, /gmem explore: http:\/\/127\.0\.0\.1:\d+\//);
  const [server] = childrenOf(sh.pid!);
  assert.ok(server, 'the node server runs under sh');
  assert.match(readFileSync(`/proc/${server}/cmdline`, 'utf8'), /explore/);
  sh.kill('SIGTERM');
  let alive = true;
  for (let i = 0; i < 50 && alive; i++) {
    await sleep(100);
    alive = existsSync(`/proc/${server}`) && !/^\S+ \S+ Z/.test(readFileSync(`/proc/${server}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  }
  if (alive) process.kill(server!, 'SIGKILL');
  assert.equal(alive, false, 'the server outlived its parent by 5 s');
});
