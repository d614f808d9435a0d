/** `gmem explore [SCENARIO]`: serve the explorer page on loopback until interrupted. */
import { explorePlan, DEFAULT_SCENARIO, type ExploreBackends } from '../explore/load.js';
import { startExplorer } from '../explore/server.js';
import { resolveBackend } from './backendOption.js';
import type { Streams } from './streams.js';

export const DEFAULT_EXPLORER_PORT = 8418;

export interface ExploreCliArgs {
  backend?: string;
  profile?: string;
  port?: string;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EXPLORER_PORT;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new Error(`--port must be a number from 0 to 65535, got ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * --backend/--profile by the one rule every command follows (resolveBackend). The pictures come
 * from the model, so explore's default is the model, and a kernel (kernel, both, or auto when
 * /dev/kvm is usable) runs beside a model configured like it. With the model alone and no
 * --profile, the first profile that can run the file is taken (the default file needs in-place
 * conversion).
 */
function exploreBackends(args: ExploreCliArgs): { backends: ExploreBackends; reason: string } {
  const r = resolveBackend({ backend: args.backend ?? 'model', profile: args.profile }, true);
  if (r.backend === 'model') {
    const reason = args.backend === undefined && args.profile === undefined ? "explore's default" : r.reason;
    return { backends: { kind: 'model', ...(args.profile !== undefined ? { profile: args.profile } : {}) }, reason };
  }
  return { backends: { kind: 'beside-kernel', ...(r.backend === 'both' && r.profile !== undefined ? { profile: r.profile } : {}) }, reason: r.reason };
}

/** Runs until SIGINT/SIGTERM (or `stop` resolves, for tests). */
export async function explore(scenario: string | undefined, args: ExploreCliArgs, io: Streams, stop?: Promise<void>): Promise<number> {
  let server;
  try {
    const port = parsePort(args.port);
    // The file is loaded and checked now; it is traced when the page first asks for it, so the
    // server is up at once whatever the scenario costs (within its limits).
    const { backends, reason } = exploreBackends(args);
    const plan = explorePlan({ ...(scenario !== undefined ? { scenario } : {}), backends });
    server = await startExplorer(() => plan.trace(), port);
    const n = plan.instances.length;
    io.stdout.write(
      `gmem explore: ${server.url}\n` +
        `  scenario ${scenario ?? DEFAULT_SCENARIO} (${n} instance${n === 1 ? '' : 's'}, first: ${plan.instances[0]!.id}), traced when the page first loads\n` +
        `  backend: ${plan.label} (${reason})\n` +
        `  loopback only; Ctrl-C stops it\n`,
    );
  } catch (err) {
    io.stderr.write(`gmem explore: ${(err as Error).message}\n`);
    return 2;
  }
  await (stop ?? untilStopped());
  await server.close();
  return 0;
}

/**
 * Until a signal, or until the process that started us is gone. `npx gmem explore` runs node
 * under `sh -c`; a signal to npx does not always reach node, and an orphan is re-parented, so a
 * changed parent id means whoever owned this server has exited: stop with it.
 */
function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) done();
    }, 500);
    const done = (): void => {
      clearInterval(watch);
      resolve();
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, done);
  });
}
