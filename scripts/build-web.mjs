// Bundles the explorer page (web/) into dist/web with esbuild: one script, its stylesheet and
// the HTML. Nothing is fetched at run time; the server reads these three files.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const out = new URL('dist/web/', root);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('web/src/explorer.ts', root).pathname],
  outfile: new URL('explorer.js', out).pathname,
  bundle: true,
  format: 'iife',
  target: 'es2022',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
for (const name of ['index.html', 'explorer.css']) copyFileSync(new URL(`web/${name}`, root), new URL(name, out));
