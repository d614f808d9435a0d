/**
 * The step table of docs/scenarios.md, generated from format.ts (npm run scenario-format) so the
 * documented fields are the fields the loader accepts; a test fails when the committed page is stale.
 */
import { STEP_KINDS, STEP_KIND_NAMES, type FieldSpec } from './format.js';

export const BEGIN = '<!-- BEGIN generated step table: npm run scenario-format -->';
export const END = '<!-- END generated step table -->';

const KIND_WORDS: Record<FieldSpec['type'], string> = {
  define: 'name for what it makes',
  handle: 'a handle',
  u64: 'u64',
  flags: 'flags',
  bytes: 'bytes',
  byte: '0..255',
  string: 'text',
  nameOrNumber: 'name or number',
  userspaceAddr: 'u64 or mapping',
  guestMemfd: 'handle or number',
  u64List: 'list of u64',
  enum: 'one of',
};

function field(name: string, f: FieldSpec): string {
  const what = f.type === 'enum' ? `one of ${f.values.map((v) => `\`${v}\``).join(', ')}` : (f.doc ?? KIND_WORDS[f.type]);
  return `\`${name}\` (${what})`;
}

/** A table cell: a | inside would end it. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

export function stepTable(): string {
  const rows = STEP_KIND_NAMES.map((kind) => {
    const fields = Object.entries(STEP_KINDS[kind].fields as Readonly<Record<string, FieldSpec>>);
    const list = (required: boolean) => fields.filter(([, f]) => Boolean(f.required) === required).map(([n, f]) => field(n, f)).join(', ') || '-';
    return `| \`${kind}\` | ${cell(STEP_KINDS[kind].doc)} | ${cell(list(true))} | ${cell(list(false))} |`;
  });
  return [BEGIN, '| `do` | what it does | required fields | optional fields |', '|---|---|---|---|', ...rows, END].join('\n');
}

/** The page with its generated table replaced by the current one. */
export function withStepTable(page: string): string {
  const a = page.indexOf(BEGIN);
  const b = page.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/scenarios.md has no "${BEGIN}" ... "${END}" block`);
  return page.slice(0, a) + stepTable() + page.slice(b + END.length);
}
