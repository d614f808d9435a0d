#!/usr/bin/env node
// The `prepare` script: `npm run build` unless dist/ is newer than everything it is built from.
// Why: `npx gmem` in a fresh clone links the checkout into npx's cache and runs its install and
// prepare scripts again, right after `npm install` ran them; without this check the first
// `npx gmem` rebuilt everything a second time. `npm run build` always builds.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const STAMP = 'dist/.build-stamp';
const INPUTS = ['src', 'web', 'test', 'bench', 'examples', 'tsconfig.json', 'package.json', 'scripts/build-web.mjs', 'scripts/build-validator.mjs'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...INPUTS.map(newest))) {
  console.log('dist/ is up to date (npm run build rebuilds it)');
  process.exit(0);
}
const started = Date.now();
const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
