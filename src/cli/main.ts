/** The gmem command line: which command, its arguments (parse.ts, commands.ts), dispatch. Returns the exit status. */
import { readFileSync } from 'node:fs';
import { openKvm } from '../open.js';
import { formatProbe, probe } from './probe.js';
import { conform, runScenario } from './conform.js';
import { explore } from './explore.js';
import type { Streams } from './streams.js';
import { configureLimits, parseLimitOverrides } from '../scenario/limits.js';
import { kernelsCommand } from './kernels.js';
import { vmCommand } from './vm.js';
import { COMMANDS, COMMAND_NAMES, TOP_USAGE, commandHelp, usageLine } from './commands.js';
import { parseCommand, type Parsed } from './parse.js';
import { didYouMean } from '../scenario/suggest.js';
import { resolveBackend } from './backendOption.js';

export type { Streams } from './streams.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** `gmem help [COMMAND]`. */
async function help(topic: string | undefined, io: Streams): Promise<number> {
  if (topic === undefined) {
    io.stdout.write(TOP_USAGE);
    return 0;
  }
  if (topic === 'vm') return vmCommand(['--help'], io);
  if (topic === 'kernels') return kernelsCommand(['--help'], io);
  if (COMMANDS[topic]) {
    io.stdout.write(commandHelp(topic));
    return 0;
  }
  io.stderr.write(`gmem help: unknown command ${JSON.stringify(topic)}${didYouMean(topic, COMMAND_NAMES)}\n\n${TOP_USAGE}`);
  return 2;
}

export async function main(argv: string[], io: Streams): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(`gmem: a command is required\n\n${TOP_USAGE}`);
    return 2;
  }
  if (command === '-h' || command === '--help') return help(undefined, io);
  if (command === '-v' || command === '--version') {
    io.stdout.write(`gmem ${version()}\n`);
    return 0;
  }
  if (command === 'help') return help(rest[0], io);
  if (command === 'vm') return vmCommand(rest, io);
  if (command === 'kernels') return kernelsCommand(rest, io);
  if (!COMMANDS[command]) {
    const why = command.startsWith('-')
      ? `the command comes first: gmem <command> [options], got ${JSON.stringify(command)}`
      : `unknown command ${JSON.stringify(command)}${didYouMean(command, COMMAND_NAMES)}`;
    io.stderr.write(`gmem: ${why}\n\n${TOP_USAGE}`);
    return 2;
  }
  let parsed: Parsed;
  try {
    parsed = parseCommand(command, rest);
    if (parsed.values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    configureLimits(parseLimitOverrides((parsed.values.limit as string[] | undefined) ?? [], '--limit'));
  } catch (err) {
    io.stderr.write(`gmem ${command}: ${(err as Error).message}\n\n${usageLine(command)}\n(gmem help ${command} lists the options)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  switch (command) {
    case 'run':
      return runScenario(positionals[0]!, values, io);
    case 'explore':
      return explore(positionals[0], values as { backend?: string; profile?: string; port?: string }, io);
    case 'conform':
      return conform(values, io);
    default:
      return runProbe(values, io);
  }
}

function runProbe(values: { backend?: string; profile?: string; json?: boolean }, io: Streams): number {
  let kvm;
  let reason: string;
  try {
    const r = resolveBackend(values, false);
    if (r.backend === 'both') throw new Error('unreachable: probe does not allow both');
    reason = r.reason;
    kvm = openKvm(r.backend === 'kernel' ? { backend: 'kernel' } : { backend: 'model', profile: r.profile });
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
