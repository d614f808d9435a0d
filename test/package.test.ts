/** What `npm pack` ships, how the package is imported by name, and that `npm test` installs nothing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
let packed: string[] | undefined;
function packedFiles(): string[] {
  return (packed ??= pack());
}

function pack(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe('npm pack', () => {
  const files = packedFiles();
  it('ships the CLI, the compiled library (the generated scenario validator too), the addon sources and the LICENSE', () => {
    for (const f of ['bin/gmem.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/scenario/scenarioValidator.generated.cjs', 'scripts/build-native.mjs', 'src/kernel/native/gmem_native.cc', 'LICENSE', 'README.md', 'package.json']) {
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

/**
 * The checkout's public address, if it has one: origin's URL on a forge (https or scp-like ssh),
 * as https without ".git". A local path or no remote at all (this repository today) is none.
 */
function publicRemote(): string | undefined {
  const r = spawnSync('git', ['remote', 'get-url', 'origin'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const url = r.stdout.trim();
  const m = /^(?:git\+)?https:\/\/([^/\s]+)\/(\S+?)(?:\.git)?$/.exec(url) ?? /^git@([^:\s]+):(\S+?)(?:\.git)?$/.exec(url);
  return m ? `https://${m[1]}/${m[2]}` : undefined;
}

describe('package.json', () => {
  it('has keywords and a LICENSE that matches `license`', () => {
    assert.ok((pkg.keywords ?? []).includes('kvm'));
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(`${ROOT}LICENSE`, 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the guest-memfd authors\n/);
  });
  it('names no address it cannot stand behind: repository, bugs and homepage come from the public remote, or are absent', () => {
    const remote = publicRemote();
    const named = Object.entries({ repository: pkg.repository?.url, bugs: pkg.bugs?.url, homepage: pkg.homepage }).filter(([, url]) => url !== undefined);
    if (remote === undefined) {
      assert.deepEqual(named, [], 'this checkout has no public remote (git remote get-url origin): any address here would be a guess');
      return;
    }
    for (const [field, url] of named) assert.ok(url!.replace(/^git\+/, '').replace(/\.git$/, '').startsWith(remote), `${field} ${url} is not under ${remote}`);
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

describe('README links', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g), ...readme.matchAll(/<(?:img|a)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  // Addresses outside the project a reader can open; each was checked by hand. Into the project
  // itself, a link is relative: a guessed forge address would be an address nobody stands behind.
  const EXTERNAL: string[] = [];

  it('absolute links only to reviewed external addresses', () => {
    assert.ok(targets.length >= 5, `only ${targets.length} links found: is the pattern still right?`);
    assert.deepEqual(targets.filter((t) => /^[a-z]+:/i.test(t) && !EXTERNAL.includes(t)), []);
  });
  it('relative links and images open in a clone and in the packed package', () => {
    // npm's web page resolves relative links only through `repository`, which we leave out until
    // there is a public one (see above); in a clone, on any forge and in node_modules they work.
    const files = packedFiles();
    const missing = targets
      .filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'))
      .map((t) => t.replace(/#.*$/, ''))
      .filter((path) => !existsSync(`${ROOT}${path}`) || !files.includes(path));
    assert.deepEqual(missing, []);
  });
});
