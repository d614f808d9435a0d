/**
 * No import cycles in src/, type-only imports included (a cycle through a type is still two
 * modules that cannot be read, or moved, one without the other).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'native' ? [] : sources(join(dir, e.name))) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * The relative module names a source imports, as TypeScript's own scanner finds them: import and
 * export ... from, side-effect imports, import() and import type included.
 */
export function relativeImports(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** Each module's imports of other modules under src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const targets = relativeImports(readFileSync(file, 'utf8')).map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, file), targets.filter((t) => t.startsWith(SRC)).map((t) => relative(SRC, t)));
  }
  return graph;
}

/** The strongly connected components with more than one module, or a module importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('imports', () => {
  it('the checker finds a cycle when there is one', () => {
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  });
  it('the scanner sees every form of import', () => {
    const text = `import { a } from './a.js';\nimport type { B } from './b.js';\nexport * from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\nimport fs from 'node:fs';`;
    assert.deepEqual(relativeImports(text), ['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });
  it('src/ has no import cycles', () => {
    const graph = importGraph();
    assert.ok(graph.size > 50, `${graph.size} modules read`);
    assert.deepEqual(cycles(graph), []);
  });
});
