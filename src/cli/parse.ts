/**
 * Parse one command's arguments against its table: unknown options are refused, with a suggestion.
 * node:util's parseArgs under our own table rather than commander: the table (commands.ts) also
 * makes each command's help and the suggestions (the scenario loader's didYouMean), and a handful
 * of commands needs no runtime dependency.
 */
import { parseArgs } from 'node:util';
import { didYouMean } from '../scenario/suggest.js';
import { COMMANDS } from './commands.js';
import { UsageError } from './usageError.js';

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommand(name: string, argv: string[]): Parsed {
  const spec = COMMANDS[name]!;
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([long, o]) => [long, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
      const known = Object.keys(spec.options).map((o) => `--${o}`);
      throw new UsageError(`unknown option ${unknown}${didYouMean(unknown, known)}`);
    }
    // Node's messages for a missing value or a value given to a boolean name the option; keep
    // the first sentence (the rest explains `--` escaping, which is noise here).
    throw new UsageError(e.message.split('. ')[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) return { values: values as Parsed['values'], positionals }; // --help needs nothing else.
  const [min, max] = spec.positionals;
  if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
  if (positionals.length < min) throw new UsageError(`${spec.args} is required`);
  return { values: values as Parsed['values'], positionals };
}
