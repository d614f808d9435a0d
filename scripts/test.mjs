#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with Node's test runner (TAP output, whose closing
// "# pass N" / "# fail N" lines CI reads). Node 20 cannot glob, so the files are listed here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}

const files = find('dist/test').concat(find('dist/src')).sort();
if (files.length === 0) {
  console.error('no compiled tests under dist/: run `npm run build` first');
  process.exit(1);
}
const extra = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...extra, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
