/** `gmem explore [SCENARIO]`: serve the explorer page on loopback until interrupted. */
import { exploreTraces, DEFAULT_SCENARIO } from '../explore/load.js';
import { startExplorer } from '../explore/server.js';
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

/** Runs until SIGINT/SIGTERM (or `stop` resolves, for tests). */
export async function explore(scenario: string | undefined, args: ExploreCliArgs, io: Streams, stop?: Promise<void>): Promise<number> {
  let server;
  try {
    const port = parsePort(args.port);
    const traces = exploreTraces({ ...(scenario !== undefined ? { scenario } : {}), ...args });
    server = await startExplorer(traces, port);
    const t = traces[0]!;
    io.stdout.write(
      `gmem explore: ${server.url}\n` +
        `  scenario ${scenario ?? DEFAULT_SCENARIO} (${traces.length} instance${traces.length === 1 ? '' : 's'}, first: ${t.id}: ${t.status})\n` +
        `  drawn from the ${t.backend}${t.other ? `, outcomes also from the ${t.other}` : ''}\n` +
        `  loopback only; Ctrl-C stops it\n`,
    );
  } catch (err) {
    io.stderr.write(`gmem explore: ${(err as Error).message}\n`);
    return 2;
  }
  await (stop ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  await server.close();
  return 0;
}
