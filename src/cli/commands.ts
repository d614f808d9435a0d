/**
 * What each gmem command accepts, and the help made from it. One table: the parser refuses an
 * option a command does not list (so nothing is silently ignored), and help cannot drift from it.
 */
import { profileNames } from '../model/profile.js';
import { LIMITS, LIMIT_NAMES, formatLimit } from '../scenario/limits.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help (string options). */
  value?: string;
  help: string;
}

export interface CommandSpec {
  /** After `gmem NAME`: positionals. */
  args: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
}

const backend = (both: boolean): OptionSpec => ({
  type: 'string',
  value: 'B',
  help: both
    ? 'auto (default: the kernel when /dev/kvm is usable, else the model) | kernel | model | both (the model configured like the kernel, side by side)'
    : 'auto (default: the kernel when /dev/kvm is usable, else the model) | kernel | model',
});
const profile: OptionSpec = {
  type: 'string',
  value: 'P',
  help: `the model with profile P: ${profileNames().join(', ')}; alone it means --backend model; with both it replaces the release profile chosen for the kernel (not with kernel)`,
};
const limit: OptionSpec = {
  type: 'string',
  multiple: true,
  value: 'NAME=VALUE',
  help:
    'raise or lower a scenario limit (repeatable; also GMEM_LIMITS="NAME=VALUE,..."; see docs/scenarios.md): ' +
    LIMIT_NAMES.map((n) => `${n} ${formatLimit(n, LIMITS[n].default)}`).join(', '),
};
const json: OptionSpec = { type: 'boolean', help: 'print JSON instead of text' };
const help: OptionSpec = { type: 'boolean', short: 'h', help: 'this help' };

export const COMMANDS: Record<string, CommandSpec> = {
  conform: {
    args: '',
    summary: "run the conformance catalog: what this kernel's guest_memfd does, and is it right?",
    positionals: [0, 0],
    options: {
      backend: backend(true),
      profile,
      format: { type: 'string', value: 'F', help: 'pretty (default) | ktap | json (with --list: pretty | json)' },
      json: { type: 'boolean', help: 'the same as --format json' },
      filter: { type: 'string', value: 'GLOB', help: "only checks whose id matches GLOB (e.g. 'selftest.*')" },
      list: { type: 'boolean', help: 'list the checks and exit' },
      verbose: { type: 'boolean', help: 'also list skipped checks and why (pretty format)' },
      limit,
      help,
    },
  },
  run: {
    args: 'FILE',
    summary: 'run one scenario file step by step',
    positionals: [1, 1],
    options: { backend: backend(true), profile, json, limit, help },
  },
  explore: {
    args: '[FILE]',
    summary:
      "serve a page (loopback) that draws each file's pages, the memslots and the guest-physical view after every step of a scenario (default: the catalog's conversion.indexing); pictures come from the model",
    positionals: [0, 1],
    options: {
      backend: {
        type: 'string',
        value: 'B',
        help: "model (default) | auto (the kernel when /dev/kvm is usable, else the model) | kernel | both: a kernel runs beside the model configured like it and each step shows both outcomes",
      },
      profile,
      port: { type: 'string', value: 'N', help: 'the loopback port (default 8418; 0 picks a free one)' },
      limit,
      help,
    },
  },
  probe: {
    args: '',
    summary: 'report what guest_memfd offers: capabilities and flags by name, VM types, and a live smoke check (create, map, touch, punch, bind)',
    positionals: [0, 0],
    options: { backend: backend(false), profile, json, help },
  },
};

/** Commands with a command line of their own (vm: everything after -- runs inside the guest). */
export const OWN_PARSER: Record<string, { args: string; summary: string }> = {
  vm: { args: '--kernel IMAGE|debian:VERSION [--modules DIR] [-- COMMAND...]', summary: 'boot another kernel under QEMU and run COMMAND inside (default: gmem conform --backend both)' },
  kernels: { args: 'get|list|build', summary: 'the cache of other kernels (Debian packages by version, local builds)' },
};

export const COMMAND_NAMES = [...Object.keys(COMMANDS), ...Object.keys(OWN_PARSER), 'help'];

/** Wrap `text` to `width` columns, every line indented by `indent`. */
function wrap(text: string, indent: number, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

export const TOP_USAGE = `Usage: gmem <command> [options]

Commands:
${[...Object.entries(COMMANDS), ...Object.entries(OWN_PARSER)]
  .map(([name, c]) => `  ${`${name} ${c.args}`.trimEnd()}\n${wrap(c.summary, 6)}`)
  .join('\n')}
  help [COMMAND]
      this help, or a command's options

Options:
  -h, --help      this help (gmem COMMAND --help: the command's options)
  -v, --version   the package's version

gmem help COMMAND shows a command's options.
`;

export function usageLine(name: string): string {
  const c = COMMANDS[name]!;
  return `Usage: gmem ${name}${c.args ? ` ${c.args}` : ''} [options]`;
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  const opts = Object.entries(c.options).map(([long, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${long}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flag}\n${wrap(o.help, 6)}`;
  });
  return `${usageLine(name)}\n\n${wrap(c.summary, 0)}\n\nOptions:\n${opts.join('\n')}\n`;
}
