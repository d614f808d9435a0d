/** The conformance catalog: the scenario files under catalog/, and the checks written as code. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../scenario/load.js';
import { DIVERGENCES_FILE } from '../scenario/divergenceData.js';
import type { ScenarioInstance } from '../scenario/types.js';
import { bindChecks } from './bindChecks.js';
import { codeChecks, type CodeCheck } from './codeChecks.js';

export const CATALOG_DIR = fileURLToPath(new URL('../../../catalog', import.meta.url));

export type CatalogEntry = { kind: 'scenario'; id: string; description: string; instance: ScenarioInstance } | { kind: 'code'; id: string; description: string; check: CodeCheck };

/** The scenario files of a catalog directory, sorted (divergences.json is data the scenarios cite, not a scenario). */
export function catalogFiles(dir = CATALOG_DIR): string[] {
  return jsonFiles(dir).filter((f) => f !== DIVERGENCES_FILE);
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? jsonFiles(join(dir, f)) : f.endsWith('.json') ? [join(dir, f)] : []));
}

/** Glob over check ids: * matches any run of characters, ? one character. */
export function globMatcher(glob: string): (id: string) => boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (id) => re.test(id);
}

export function loadCatalog(filter?: string, dir = CATALOG_DIR): CatalogEntry[] {
  const entries: CatalogEntry[] = [
    ...catalogFiles(dir).flatMap((file) => loadScenarioFile(file).map((instance): CatalogEntry => ({ kind: 'scenario', id: instance.id, description: instance.scenario.description ?? '', instance }))),
    ...[...codeChecks(), ...bindChecks()].map((check): CatalogEntry => ({ kind: 'code', id: check.id, description: check.description, check })),
  ];
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) throw new Error(`two checks are named ${e.id}`);
    ids.add(e.id);
  }
  const keep = filter ? globMatcher(filter) : () => true;
  return entries.filter((e) => keep(e.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
