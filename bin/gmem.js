#!/usr/bin/env node
// The gmem command. The TypeScript is compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('gmem: dist/ is missing; run `npm install` (or `npm run build`) in the package first\n');
  process.exit(2);
}
// A reader that stops early (`gmem conform | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
