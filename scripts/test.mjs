#!/usr/bin/env node
// Runs the compiled *.test.js under dist/ with Node's test runner: the spec reporter on a
// terminal, TAP otherwise (CI reads its closing "# pass N" / "# fail N" lines). Node 20 cannot
// glob, so the files are listed here. `node scripts/test.mjs dist/test/cli.test.js` runs one file.
// At least two files run at once (see concurrencyFlags).
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { concurrencyFlags, reporterFor, splitArgs } from './test-args.mjs';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}

const all = find('dist/test').concat(find('dist/src')).sort();
if (all.length === 0) {
  console.error('no compiled tests under dist/: run `npm run build` first');
  process.exit(1);
}
const { files, flags } = splitArgs(process.argv.slice(2), all);
const reporter = reporterFor(process.stdout.isTTY === true, process.env);
const result = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, ...concurrencyFlags(flags, availableParallelism()), ...flags, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
