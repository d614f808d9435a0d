/**
 * Every citation a reader meets can be opened: the catalog's `source` fields, the known
 * divergences, the docs and the code comments point into docs/ of this repository (the file and
 * the section anchor exist), name a kernel function, or name an upstream selftest file; none
 * points at the project's private notes, which a reader of the repository does not have.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogFiles } from '../../src/conformance/catalog.js';
import { knownDivergences } from '../../src/conformance/divergences.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const path = join(dir, f);
    return statSync(join(ROOT, path)).isDirectory() ? files(path, ext) : ext.test(f) ? [path] : [];
  });
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped (but - and _), spaces to dashes. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');

function anchors(doc: string): Set<string> {
  return new Set(readFileSync(join(ROOT, doc), 'utf8').split('\n').flatMap((l) => (/^#{1,6} /.test(l) ? [slug(l.replace(/^#+ /, ''))] : [])));
}

/** Every citation of a docs page (and section) in the text, and in markdown files their relative links. */
function citations(file: string, text: string): { target: string; anchor?: string }[] {
  const found = [...text.matchAll(/docs\/([\w.-]+\.md)(?:#([\w-]+))?/g)].map((m) => ({ target: `docs/${m[1]}`, ...(m[2] ? { anchor: m[2] } : {}) }));
  if (file.endsWith('.md')) {
    const here = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    for (const m of text.matchAll(/\]\(([\w./-]*\.md)?(?:#([\w-]+))?\)/g)) {
      if (!m[1] && !m[2]) continue;
      const target = m[1] ? relative(ROOT, join(ROOT, here, m[1])) : file;
      found.push({ target, ...(m[2] ? { anchor: m[2] } : {}) });
    }
  }
  return found;
}

const TEXTS = [...files('catalog', /\.json$/), ...files('docs', /\.md$/), 'README.md', ...files('src', /\.(ts|cc|h)$/), ...files('test', /\.ts$/)];

describe('citations', () => {
  it('every docs/ citation names a file and a section that exist', () => {
    const bad: string[] = [];
    let count = 0;
    for (const file of TEXTS) {
      for (const c of citations(file, readFileSync(join(ROOT, file), 'utf8'))) {
        count++;
        if (!existsSync(join(ROOT, c.target))) bad.push(`${file}: ${c.target} does not exist`);
        else if (c.anchor && !anchors(c.target).has(c.anchor)) bad.push(`${file}: ${c.target} has no section #${c.anchor}`);
      }
    }
    assert.deepEqual(bad, []);
    assert.ok(count >= 70, `only ${count} citations found: is the pattern still right?`);
  });

  it("nothing cites the project's private spec notes", () => {
    const spec = new RegExp(['spec', '/0'].join(''));
    assert.deepEqual(TEXTS.filter((f) => spec.test(readFileSync(join(ROOT, f), 'utf8'))), []);
  });

  // A source a reader can open: a section of docs/, an upstream selftest file, or a kernel function.
  const openable = /docs\/[\w.-]+\.md#[\w-]+|tools\/testing\/selftests\/\S+\.c|\b(kvm|vfs|__kvm)_\w+/;

  it('every catalog check cites a source a reader can open', () => {
    // Read as plain JSON: loading (and its schema) is the catalog tests' job.
    const sources = new Map(catalogFiles().map((f) => [f, (JSON.parse(readFileSync(f, 'utf8')) as { source?: string }).source ?? ''] as const));
    for (const [name, source] of sources) assert.match(source, openable, `${name}: source ${JSON.stringify(source)}`);
  });

  it('every known divergence cites a source a reader can open', () => {
    for (const d of knownDivergences()) assert.match(d.source, openable, d.name);
  });
});
