/**
 * Writes what is generated from the scenario format table (src/scenario/format.ts):
 * schema/scenario.schema.json and the step table of docs/scenarios.md. `npm run scenario-format`;
 * test/scenario/format.test.ts fails when the committed files differ from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withStepTable } from '../scenario/formatDocs.js';
import { scenarioSchemaText } from '../scenario/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../../schema/scenario.schema.json', import.meta.url));
export const SCENARIOS_DOC = fileURLToPath(new URL('../../../docs/scenarios.md', import.meta.url));

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, scenarioSchemaText());
  writeFileSync(SCENARIOS_DOC, withStepTable(readFileSync(SCENARIOS_DOC, 'utf8')));
  process.stdout.write(`wrote ${SCHEMA_FILE} and the step table of ${SCENARIOS_DOC}\n`);
}
