/**
 * The explorer's server and `gmem explore`: loopback only, the three assets and the trace, no
 * other path, no foreign Host, clear errors for a busy port or a bad argument.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { startExplorer } from '../../src/explore/server.js';
import { exploreTraces } from '../../src/explore/load.js';
import { explore } from '../../src/cli/explore.js';
import { main } from '../../src/cli/main.js';

function get(port: number, path: string, opts: { host?: string; method?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out, err };
}

describe('explorer server', () => {
  it('serves the page, its script and stylesheet, and the trace, on 127.0.0.1 only', async () => {
    const traces = exploreTraces({});
    const server = await startExplorer(traces, 0);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await get(server.port, '/');
      assert.equal(page.status, 200);
      assert.match(page.body, /<script src="explorer.js">/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      assert.equal((await get(server.port, '/explorer.js')).status, 200);
      assert.equal((await get(server.port, '/explorer.css')).status, 200);
      const data = JSON.parse((await get(server.port, '/trace.json')).body) as { traces: Array<{ id: string }> };
      assert.deepEqual(data.traces.map((t) => t.id), traces.map((t) => t.id));
      assert.equal((await get(server.port, '/', { host: `localhost:${server.port}` })).status, 200);
    } finally {
      await server.close();
    }
  });

  it('answers nothing else: other paths 404, other methods 405, a foreign Host 421', async () => {
    const server = await startExplorer([], 0);
    try {
      for (const path of ['/package.json', '/../package.json', '/%2e%2e/package.json', '/dist/web/explorer.js']) assert.equal((await get(server.port, path)).status, 404, path);
      assert.equal((await get(server.port, '/', { method: 'POST' })).status, 405);
      const rebound = await get(server.port, '/trace.json', { host: 'attacker.example' });
      assert.equal(rebound.status, 421);
      assert.doesNotMatch(rebound.body, /traces/);
    } finally {
      await server.close();
    }
  });

  it('takes its Host case-insensitively (LOCALHOST is localhost)', async () => {
    const server = await startExplorer([], 0);
    try {
      assert.equal((await get(server.port, '/', { host: `LOCALHOST:${server.port}` })).status, 200);
      assert.equal((await get(server.port, '/', { host: `LocalHost:${server.port}` })).status, 200);
      assert.equal((await get(server.port, '/', { host: `LOCALHOST.attacker.example:${server.port}` })).status, 421);
    } finally {
      await server.close();
    }
  });

  it('sends nosniff and the content security policy with its 404, 405 and 421 answers too', async () => {
    const server = await startExplorer([], 0);
    try {
      const answers = [
        await get(server.port, '/nothing'),
        await get(server.port, '/', { method: 'POST' }),
        await get(server.port, '/', { host: 'attacker.example' }),
        await get(server.port, '/__proto__'),
      ];
      assert.deepEqual(answers.map((a) => a.status), [404, 405, 421, 404]);
      for (const a of answers) {
        assert.equal(a.headers['x-content-type-options'], 'nosniff', `${a.status}`);
        assert.match(String(a.headers['content-security-policy']), /default-src 'none'/, `${a.status}`);
      }
    } finally {
      await server.close();
    }
  });

  it('says which port is busy and how to choose another', async () => {
    const first = await startExplorer([], 0);
    try {
      await assert.rejects(startExplorer([], first.port), new RegExp(`port ${first.port} on 127.0.0.1 is in use; choose another with --port`));
    } finally {
      await first.close();
    }
  });
});

describe('explorer server, traced on demand', () => {
  it('listens before it traces: the trace is made when the page first asks, once', async () => {
    let calls = 0;
    const server = await startExplorer(() => (calls++, []), 0);
    try {
      assert.equal((await get(server.port, '/')).status, 200);
      assert.equal(calls, 0, 'serving the page traced nothing');
      assert.equal((await get(server.port, '/trace.json')).body, '{"traces":[]}');
      assert.equal((await get(server.port, '/trace.json')).status, 200);
      assert.equal(calls, 1, 'traced once, on the first request');
    } finally {
      await server.close();
    }
  });

  it('a trace that fails is a 500 with the reason, and the server stays up', async () => {
    const server = await startExplorer(() => {
      throw new Error('steps[3] (hostRead): too much');
    }, 0);
    try {
      const r = await get(server.port, '/trace.json');
      assert.equal(r.status, 500);
      assert.match(r.body, /could not be traced: steps\[3\] \(hostRead\): too much/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal((await get(server.port, '/')).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('gmem explore', () => {
  it('opens on a catalog scenario by default and stops when asked', async () => {
    const { io, out, err } = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const done = explore(undefined, { port: '0' }, io, stopped);
    for (let i = 0; i < 200 && out.length === 0 && err.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(err, []);
    const url = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out.join(''));
    assert.ok(url, out.join(''));
    assert.match(out.join(''), /catalog\/conversion\/indexing\.json \(1 instance, first: conversion\.indexing\), traced when the page first loads/);
    const trace = await get(Number(url[1]), '/trace.json');
    assert.equal(trace.status, 200);
    assert.equal((JSON.parse(trace.body) as { traces: Array<{ status: string }> }).traces[0]!.status, 'pass');
    stop();
    assert.equal(await done, 0);
    await assert.rejects(get(Number(url[1]), '/'), /ECONNREFUSED/);
  });

  for (const [argv, message] of [
    [['explore', '--port', 'http'], /--port must be a number from 0 to 65535, got "http"/],
    [['explore', '--port', '70000'], /--port must be a number/],
    [['explore', 'a.json', 'b.json'], /unexpected argument "b.json"/],
    [['explore', '/nonexistent/scenario.json'], /nonexistent\/scenario\.json/],
    [['explore', '--profile', 'no-such-profile', '--port', '0'], /no-such-profile/],
    [['explore', '--backend', 'kernel', '--profile', 'inplace', '--port', '0'], /the kernel is not a profile/],
    [['explore', '--backend', 'qemu', '--port', '0'], /--backend must be auto, kernel, model or both/],
  ] as const) {
    it(`refuses ${argv.slice(1).join(' ')} with exit 2 and the reason`, async () => {
      const { io, out, err } = capture();
      assert.equal(await main([...argv], io), 2);
      assert.match(err.join(''), message);
      assert.equal(out.join(''), '');
    });
  }
});
