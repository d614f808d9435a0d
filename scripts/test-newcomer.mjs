#!/usr/bin/env node
// The newcomer's first hour, scripted: a fresh clone of this checkout's HEAD in a temporary
// directory, the README's first two commands, a check that `npx gmem` did not build a second
// time, and the README's TypeScript examples compiled and run as written by another project that
// depends on the package. `npm run test:newcomer`, which .ci/run calls after its own `npm test`;
// not part of `npm test`.
//
// What it must prove about `npm test` is that the command starts and runs in a fresh clone, not
// the suite's verdict again: .ci/run has just run the whole suite on this same commit. So in the
// clone `npm test` runs as written (the native build check, the TypeScript build, the runner)
// with a few test files named after it; the clone must hold the same compiled test files as this
// checkout, and `npm install` must have installed what the lockfile says (what `npm ci` installed
// for the full run). GMEM_NEWCOMER_FULL=1 runs the whole suite in the clone instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** The compiled test files under dir/dist, relative to dir. */
function testFiles(dir) {
  const walk = (d) => readdirSync(join(dir, d), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.test.js') ? [join(d, e.name)] : []));
  return walk('dist').sort();
}

/** Test files that read what only a clone's committed files give (README, goldens, schema, catalog, docs). */
const SAMPLE = ['dist/test/readme.test.js', 'dist/test/golden.test.js', 'dist/test/scenario/format.test.js', 'dist/test/docs/citations.test.js'];

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
    // The dependencies the full run used came from `npm ci`, i.e. from the lockfile.
    const changed = sh('git status --porcelain -- package.json package-lock.json', clone);
    if (changed.trim()) throw new Error(`npm install changed what the lockfile says:\n${changed}`);
  });
  step(`README: ${rest} (and it does not build again)`, () => {
    const out = sh(rest, clone, { GMEM_TEST_REPORTER: 'tap' });
    if (!/^backend: /m.test(out)) throw new Error(`no report:\n${out.slice(0, 500)}`);
    const after = statSync(join(clone, 'dist/src/cli/main.js')).mtimeMs;
    if (after !== built) throw new Error('npx rebuilt dist/ after npm install had built it');
  });
  const full = process.env.GMEM_NEWCOMER_FULL === '1';
  step(`README: ${first[1]}${full ? '' : ` (starts and runs; ${SAMPLE.length} files)`}`, () => {
    const mine = testFiles(here);
    if (!full && mine.length === 0) throw new Error('no compiled tests in this checkout to compare with: run npm test first');
    const out = sh(full ? first[1] : `${first[1]} -- ${SAMPLE.join(' ')}`, clone, { GMEM_TEST_REPORTER: 'tap' });
    if (!/^# fail 0$/m.test(out) || !/^# pass [1-9]/m.test(out)) throw new Error(out.slice(-2000));
    const theirs = testFiles(clone);
    const missing = mine.filter((f) => !theirs.includes(f));
    const extra = theirs.filter((f) => !mine.includes(f));
    if (!full && (missing.length || extra.length)) throw new Error(`the clone's tests differ from this checkout's: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`);
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
