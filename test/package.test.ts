/** What `npm pack` ships, how the package is imported by name, and that `npm test` installs nothing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  license: string;
  scripts: Record<string, string>;
  exports: Record<string, unknown>;
  repository?: { url: string };
  bugs?: { url: string };
  homepage?: string;
  keywords?: string[];
};

/** The file list `npm pack` would publish (scripts off: prepare would rebuild everything). */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe('npm pack', () => {
  const files = packedFiles();
  it('ships the CLI, the compiled library, the addon sources and the LICENSE', () => {
    for (const f of ['bin/gmem.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'scripts/build-native.mjs', 'src/kernel/native/gmem_native.cc', 'LICENSE', 'README.md', 'package.json']) {
      assert.ok(files.includes(f), `${f} is not packed`);
    }
  });
  it('ships no tests, no dist/test and no benchmarks', () => {
    const bad = files.filter((f) => /\.test\.(js|d\.ts)$/.test(f) || f.startsWith('dist/test/') || f.startsWith('dist/bench/') || f.startsWith('test/'));
    assert.deepEqual(bad, []);
  });
  it('ships no source map without its sources', () => {
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const m = JSON.parse(readFileSync(`${ROOT}${map}`, 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      assert.ok(m.sourcesContent?.length === m.sources.length, `${map} refers to sources that are not packed`);
    }
  });
});

describe('package.json', () => {
  it('has the metadata a registry page shows, and a LICENSE that matches `license`', () => {
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\//);
    assert.match(pkg.bugs?.url ?? '', /^https:\/\//);
    assert.match(pkg.homepage ?? '', /^https:\/\//);
    assert.ok((pkg.keywords ?? []).includes('kvm'));
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(`${ROOT}LICENSE`, 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the guest-memfd authors\n/);
  });
  it('npm test installs nothing: no pre/post test script, and test runs only node', () => {
    assert.equal(pkg.scripts.pretest, undefined);
    assert.equal(pkg.scripts.posttest, undefined);
    assert.doesNotMatch(pkg.scripts.test!, /apt|sudo|\.sh\b/);
  });
});

describe('the exports map', () => {
  it('the package imports itself by name', async () => {
    const self = (await import('guest-memfd')) as { openKvm?: unknown };
    assert.equal(typeof self.openKvm, 'function');
  });
  it('internals stay internal', async () => {
    await assert.rejects(import('guest-memfd/dist/src/open.js' as string), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });
});

describe('README on the registry page', () => {
  it('links and images are absolute (npm does not serve docs/ or resolve relative links)', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((u) => !/^(https?:|#)/.test(u));
    assert.deepEqual(relative, []);
  });
});
