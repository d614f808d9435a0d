/** Golden files: compare with test/golden/NAME; UPDATE_GOLDEN=1 (re)writes the file instead. A missing file fails. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../test/golden/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) assert.fail(`golden file test/golden/${name} is missing (UPDATE_GOLDEN=1 writes it)`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from test/golden/${name} (UPDATE_GOLDEN=1 to accept)`);
}
