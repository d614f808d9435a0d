#!/usr/bin/env node
// The newcomer's first hour, scripted: a fresh clone of this checkout's HEAD in a temporary
// directory, the README's first two commands as written, a check that `npx gmem` did not build
// a second time, and the README's TypeScript examples compiled and run as written by another
// project that depends on the package. Slow (a full install and test run): `npm run
// test:newcomer`, which .ci/run calls; not part of `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'gmem-newcomer-'));
const clone = join(work, 'guest-memfd');
let failures = 0;
const t0 = Date.now();

function step(name, fn) {
  const started = Date.now();
  try {
    fn();
    console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failures++;
    console.log(`not ok - ${name}\n  ${String(err.message ?? err).split('\n').join('\n  ')}`);
  }
}

function sh(command, cwd, env = {}) {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${command} exited ${r.status}\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r.stdout;
}

try {
  step('git clone of HEAD', () => execFileSync('git', ['clone', '--quiet', '--no-hardlinks', here, clone]));
  // The README's first block: its commands as written (comments dropped).
  const first = /```sh\n([\s\S]*?)```/.exec(readme)[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  if (first.length !== 2 || !first[0].startsWith('npm install && npx gmem')) throw new Error(`the README's first block changed: ${JSON.stringify(first)}`);
  const [install, rest] = first[0].split(' && ');
  let built;
  step(`README: ${install}`, () => {
    sh(install, clone);
    built = statSync(join(clone, 'dist/src/cli/main.js')).mtimeMs;
  });
  step(`README: ${rest} (and it does not build again)`, () => {
    const out = sh(rest, clone, { GMEM_TEST_REPORTER: 'tap' });
    if (!/^backend: /m.test(out)) throw new Error(`no report:\n${out.slice(0, 500)}`);
    const after = statSync(join(clone, 'dist/src/cli/main.js')).mtimeMs;
    if (after !== built) throw new Error('npx rebuilt dist/ after npm install had built it');
  });
  step(`README: ${first[1]}`, () => {
    const out = sh(first[1], clone, { GMEM_TEST_REPORTER: 'tap' });
    if (!/^# fail 0$/m.test(out)) throw new Error(out.slice(-2000));
  });
  // Another project that depends on the clone (what `npm install /path/to/guest-memfd` makes: a link).
  const project = join(work, 'project');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(clone, join(project, 'node_modules', 'guest-memfd'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newcomer-project', type: 'module', private: true }));
  // The tsconfig the README gives for `using` on Node 20.
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], typeRoots: [join(clone, 'node_modules/@types')], outDir: 'out' },
      include: ['*.ts'],
    }),
  );
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  blocks.forEach((code, i) => writeFileSync(join(project, `example${i + 1}.ts`), code));
  step(`README's ${blocks.length} TypeScript examples compile as written`, () => sh(`"${process.execPath}" "${join(clone, 'node_modules/typescript/bin/tsc')}" -p .`, project));
  blocks.forEach((_, i) => step(`README example ${i + 1} runs`, () => sh(`"${process.execPath}" out/example${i + 1}.js`, project)));
} finally {
  if (!process.env.GMEM_KEEP_NEWCOMER) rmSync(work, { recursive: true, force: true });
}
console.log(`# newcomer: ${failures === 0 ? 'pass' : `${failures} failed`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(failures === 0 ? 0 : 1);
