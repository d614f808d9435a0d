/**
 * The explorer's web server: loopback only, three fixed routes, nothing else. It refuses
 * requests whose Host is not the loopback address it listens on, so a web page elsewhere cannot
 * reach it through DNS rebinding.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Trace } from './traceTypes.js';

/** Where the bundled page lives: dist/web, written by `npm run build`. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ExplorerServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
};

function readAsset(name: string): Buffer {
  try {
    return readFileSync(WEB_ROOT + name);
  } catch {
    throw new Error(`the explorer page is not built (${WEB_ROOT}${name} is missing); run \`npm run build\``);
  }
}

/**
 * Serve the page and the traces. `traces` may be a function: it is called when the page first
 * asks for /trace.json (and its answer kept), so the server listens before anything is traced.
 */
export async function startExplorer(traces: Trace[] | (() => Trace[]), port = 0): Promise<ExplorerServer> {
  let traceBody: Buffer | undefined = Array.isArray(traces) ? Buffer.from(JSON.stringify({ traces })) : undefined;
  const traceJson = (): Buffer => (traceBody ??= Buffer.from(JSON.stringify({ traces: (traces as () => Trace[])() })));
  const assets: Record<string, { type: string; body: Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', body: readAsset('index.html') },
    '/explorer.js': { type: 'text/javascript; charset=utf-8', body: readAsset('explorer.js') },
    '/explorer.js.map': { type: 'application/json', body: readAsset('explorer.js.map') },
    '/explorer.css': { type: 'text/css; charset=utf-8', body: readAsset('explorer.css') },
  };
  let allowedHosts: Set<string> = new Set();
  // Every answer, errors included, carries the same headers: a browser must not sniff an error
  // body into something executable either.
  const refuse = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) =>
    res.writeHead(status, { ...HEADERS, ...extra, 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Host names are case-insensitive (RFC 9110): LOCALHOST:port is this server too.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return refuse(res, 421, 'this server answers to its loopback address only\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0]!;
    const key = path === '/index.html' ? '/' : path;
    let asset = Object.hasOwn(assets, key) ? assets[key] : undefined;
    if (key === '/trace.json') {
      try {
        asset = { type: 'application/json', body: traceJson() };
      } catch (err) {
        return refuse(res, 500, `the scenario could not be traced: ${(err as Error).message}\n`);
      }
    }
    if (!asset) return refuse(res, 404, 'not found\n');
    res.writeHead(200, { ...HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)`) : err),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${actual}`, `localhost:${actual}`]);
  // Browsers leave the default port out of Host.
  if (actual === 80) allowedHosts.add('127.0.0.1').add('localhost');
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
