/** The gmem command line: argument parsing and dispatch. Returns the exit status. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chooseBackend, openKvm } from '../open.js';
import { profileNames } from '../model/profile.js';
import { formatProbe, probe } from './probe.js';
import { conform, runScenario } from './conform.js';
import { explore } from './explore.js';
import type { Streams } from './streams.js';
import { LIMITS, LIMIT_NAMES, configureLimits, formatLimit, parseLimitOverrides } from '../scenario/limits.js';
import { kernelsCommand } from './kernels.js';
import { vmCommand } from './vm.js';

export type { Streams } from './streams.js';

const USAGE = `Usage: gmem <command> [options]

Commands:
  conform      run the conformance catalog: what this kernel's guest_memfd does, and is it right?
  run FILE     run one scenario file step by step
  explore [FILE]
               serve a page (loopback) that draws each file's pages, the memslots and the
               guest-physical view after every step of a scenario (default: the catalog's
               conversion.indexing); pictures come from the model
  probe        report what guest_memfd offers: capabilities and flags by name, VM types,
               and a live smoke check (create, map, touch, punch, bind)
  vm --kernel IMAGE|debian:VERSION [--modules DIR] [-- COMMAND...]
               boot another kernel under QEMU and run COMMAND inside (default: gmem conform
               --backend both); gmem vm --help for more
  kernels get|list|build
               the cache of other kernels (Debian's packages by version, local builds)

Options:
  --backend B  auto (default: the kernel when /dev/kvm is usable, else the model) | kernel | model
               | both (conform, run: the model configured like the kernel, side by side;
               explore: kernel and both show the kernel's outcome beside the model's)
  --profile P  the model's profile: ${profileNames().join(', ')} (default linux-6.18;
               with both: instead of the release profile chosen for the kernel)
  --format F   conform: pretty (default) | ktap | json
  --filter G   conform: only checks whose id matches the glob G (e.g. 'selftest.*')
  --list       conform: list the checks and exit
  --verbose    conform: also list skipped checks and why
  --port N     explore: the loopback port (default 8418; 0 picks a free one)
  --limit NAME=VALUE
               conform, run, explore: raise or lower a scenario limit (repeatable; also the
               environment variable GMEM_LIMITS="NAME=VALUE,..."; see docs/scenarios.md):
${LIMIT_NAMES.map((n) => `                 ${n.padEnd(11)}${formatLimit(n, LIMITS[n].default)}`).join('\n')}
  --json       print JSON instead of text
  -h, --help   this help
  -v, --version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Streams): Promise<number> {
  // These two take a command line of their own (vm: everything after -- runs inside the guest).
  if (argv[0] === 'vm') return vmCommand(argv.slice(1), io);
  if (argv[0] === 'kernels') return kernelsCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        backend: { type: 'string' },
        profile: { type: 'string' },
        format: { type: 'string' },
        filter: { type: 'string' },
        list: { type: 'boolean' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
        port: { type: 'string' },
        limit: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    io.stderr.write(`gmem: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  try {
    configureLimits(parseLimitOverrides(values.limit ?? [], '--limit'));
  } catch (err) {
    io.stderr.write(`gmem: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`gmem ${version()}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) {
    io.stderr.write(`gmem: a command is required\n\n${USAGE}`);
    return 2;
  }
  if (command === 'run') {
    if (rest.length !== 1) {
      io.stderr.write(`gmem run: exactly one scenario file is needed\n\n${USAGE}`);
      return 2;
    }
    return runScenario(rest[0]!, values, io);
  }
  if (command === 'explore') {
    if (rest.length > 1) {
      io.stderr.write(`gmem explore: at most one scenario file\n\n${USAGE}`);
      return 2;
    }
    return explore(rest[0], values, io);
  }
  if (rest.length > 0) {
    io.stderr.write(`gmem: unexpected argument ${JSON.stringify(rest[0])}\n`);
    return 2;
  }
  switch (command) {
    case 'conform':
      return conform(values, io);
    case 'probe':
      return runProbe(values, io);
    default:
      io.stderr.write(`gmem: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

function runProbe(values: { backend?: string; profile?: string; json?: boolean }, io: Streams): number {
  let kvm;
  let reason: string;
  try {
    // A profile only means something for the model: naming one chooses the model.
    const requested = values.backend ?? (values.profile !== undefined ? 'model' : 'auto');
    const choice = chooseBackend(requested as 'auto');
    reason = choice.reason;
    kvm = openKvm({ backend: choice.backend, ...(values.profile !== undefined ? { profile: values.profile } : {}) });
  } catch (err) {
    io.stderr.write(`gmem probe: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const report = probe(kvm, reason);
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbe(report));
    return report.smoke.every((s) => s.ok) ? 0 : 1;
  } finally {
    kvm.close();
  }
}
