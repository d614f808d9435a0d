/**
 * Loading scenarios: validated against the schema generated from format.ts (errors name the step,
 * the field and the bad value, with the closest known name for a typo), names checked (flags, VM
 * types, errno...), handle names checked (each defined before use), matrices expanded.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { COMMON_FIELDS, STEP_KINDS, STEP_KIND_NAMES, isStepKind } from './format.js';
import { checkNames } from './names.js';
import { EXPECT_FIELDS } from './schema.js';
import { scenarioValidator, type Validate } from './validator.js';
import { didYouMean } from './suggest.js';
import type { Requires, Scenario, ScenarioInstance, Step } from './types.js';
import { ScenarioError, formatMatrixValue, rawUserspaceAddr } from './values.js';
import { ScenarioLimitError, scenarioLimits } from './limits.js';

let validator: Validate | undefined;

function validate(): Validate {
  return (validator ??= scenarioValidator());
}

/** "/steps/3/offset" -> "steps[3].offset" */
function path(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** The value at an Ajv instance path, to quote it in the message. */
function valueAt(data: unknown, instancePath: string): unknown {
  return instancePath
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((v, part) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined), data);
}

const TOP_FIELDS = ['$schema', 'name', 'description', 'source', 'requires', 'matrix', 'steps'];

function describeError(e: ErrorObject, data: unknown): string {
  const where = path(e.instancePath) || '(scenario)';
  const step = /^\/steps\/(\d+)$/.exec(e.instancePath);
  const stepDo = /^\/steps\/(\d+)/.exec(e.instancePath) ? (valueAt(data, e.instancePath.split('/').slice(0, 3).join('/')) as { do?: unknown })?.do : undefined;
  const label = isStepKind(stepDo) ? ` (a ${stepDo} step)` : '';
  if (e.keyword === 'additionalProperties') {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    const known =
      step && isStepKind(stepDo) ? [...Object.keys(STEP_KINDS[stepDo].fields), ...Object.keys(COMMON_FIELDS), 'do'] : e.instancePath === '' ? TOP_FIELDS : e.instancePath.endsWith('/expect') ? EXPECT_FIELDS : [];
    return `${where}${label}: unknown field ${JSON.stringify(field)}${didYouMean(field, known)}`;
  }
  if (e.keyword === 'required') return `${where}${label}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
  const value = valueAt(data, e.instancePath);
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  if (e.keyword === 'discriminator' || e.keyword === 'enum') {
    return `${where}${label}: ${e.message ?? 'invalid value'}${e.params && 'allowedValues' in e.params ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : ''}${shown}`;
  }
  return `${where}${label}: ${e.message ?? 'invalid'}${shown}`;
}

/** Unknown step kinds first: the schema would only say "must match a schema in oneOf". */
function checkStepKinds(data: unknown, origin: string): void {
  const steps = (data as { steps?: unknown })?.steps;
  if (!Array.isArray(steps)) return;
  steps.forEach((step, i) => {
    const kind = (step as { do?: unknown })?.do;
    if (typeof kind === 'string' && !isStepKind(kind)) throw new ScenarioError(`${origin}: steps[${i}].do: unknown step kind ${JSON.stringify(kind)}${didYouMean(kind, STEP_KIND_NAMES)}`);
  });
}

/** Every field whose value names a handle, from the format table. */
function handleUses(step: Step): [field: string, name: string][] {
  const fields: Readonly<Record<string, { type: string }>> = STEP_KINDS[step.do].fields;
  const uses: [string, string][] = [];
  for (const [field, value] of Object.entries(step)) {
    const type = fields[field]?.type;
    if (type === 'handle' && typeof value === 'string') uses.push([field, value]);
    // A guestMemfd string that starts with a digit is a raw descriptor number.
    if (type === 'guestMemfd' && typeof value === 'string' && !/^[0-9$]/.test(value)) uses.push([field, value]);
    if (type === 'userspaceAddr' && value && typeof value === 'object') uses.push([`${field}.mappingOf`, (value as { mappingOf: string }).mappingOf]);
  }
  return uses;
}

function checkHandles(steps: Step[], origin: string): void {
  const defined = new Set<string>(['kvm']);
  steps.forEach((step, i) => {
    for (const [field, name] of handleUses(step)) {
      if (!defined.has(name)) throw new ScenarioError(`${origin}: steps[${i}].${field}: handle ${JSON.stringify(name)} is not defined by an earlier step${didYouMean(name, defined)}`);
    }
    // Scenarios are untrusted: a user address is 0 or inside a mapping the scenario made.
    if ('userspaceAddr' in step) {
      const ref = step.userspaceAddr;
      if (ref !== undefined && (ref === null || typeof ref !== 'object')) rawUserspaceAddr(ref, 'memorySize' in step ? step.memorySize : undefined, `${origin}: steps[${i}].userspaceAddr`);
    }
    const made = 'as' in step ? step.as : undefined;
    if (typeof made === 'string') {
      if (defined.has(made)) throw new ScenarioError(`${origin}: steps[${i}].as: handle ${JSON.stringify(made)} is already defined`);
      defined.add(made);
    }
  });
}

/**
 * Replace every "$key" string (a whole value) by the matrix value. Own keys only: "$constructor"
 * or "$__proto__" must not find Object.prototype's members.
 */
function substitute<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === 'string' && value.startsWith('$') && Object.hasOwn(vars, value.slice(1))) return vars[value.slice(1)] as T;
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  return value;
}

/** How many JSON values (numbers, strings, arrays, objects...) a parsed value holds. */
function jsonValues(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + jsonValues(v), 1);
  if (value && typeof value === 'object') return Object.values(value).reduce<number>((n, v) => n + jsonValues(v), 1);
  return 1;
}

function combinations(matrix: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(matrix).reduce<Record<string, unknown>[]>(
    (acc, [key, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))),
    [{}],
  );
}

/** Validate a parsed scenario and expand it into instances. */
export function scenarioInstances(data: unknown, origin = '<inline>'): ScenarioInstance[] {
  checkStepKinds(data, origin);
  const check = validate();
  if (!check(data)) {
    // Of a oneOf's failed branches, the deepest error says most ("exit must match ..." rather
    // than "expect must be equal to constant").
    const vague = (e: ErrorObject) => (e.keyword === 'const' || e.keyword === 'oneOf' ? 1 : 0);
    const deepest = check.errors!.reduce((a, b) => (b.instancePath.length > a.instancePath.length || (b.instancePath.length === a.instancePath.length && vague(b) < vague(a)) ? b : a));
    throw new ScenarioError(`${origin}: ${describeError(deepest, data)}`);
  }
  const scenario = data as Scenario;
  const { limits } = scenarioLimits();
  // Counted before anything is expanded: 8 keys of 12 values are 430 million instances.
  const count = Object.values(scenario.matrix ?? {}).reduce((n, values) => n * values.length, 1);
  if (count > limits.instances) throw new ScenarioLimitError('instances', limits.instances, `${origin}: the matrix expands into ${count} instances, which`);
  if (scenario.steps.length > limits.steps) throw new ScenarioLimitError('steps', limits.steps, `${origin}: ${scenario.steps.length} steps`);
  // Each instance is its own copy of the steps: 4096 instances of a 4 MiB file would be gigabytes.
  const values = count * jsonValues(scenario.steps);
  if (values > limits.expandedValues) throw new ScenarioLimitError('expandedValues', limits.expandedValues, `${origin}: ${count} instances of ${values / count} values each, ${values} values,`);
  const vars = scenario.matrix ? combinations(scenario.matrix) : [{}];
  return vars.map((v) => {
    const steps = substitute(scenario.steps, v);
    const unresolved = JSON.stringify(steps).match(/"\$[a-zA-Z_]+"/);
    if (unresolved) throw new ScenarioError(`${origin}: ${unresolved[0]} is not a matrix key`);
    const requires = substitute(scenario.requires ?? {}, v) as Requires;
    checkNames(steps, requires, origin);
    checkHandles(steps, origin);
    const id = Object.keys(v).length ? `${scenario.name}[${Object.entries(v).map(([k, x]) => `${k}=${formatMatrixValue(x)}`).join(',')}]` : scenario.name;
    return { id, scenario, requires, steps, origin };
  });
}

/**
 * Read a scenario file: a regular file of at most the fileBytes limit, refused before it is read
 * (so /dev/zero, a FIFO or a huge file is an error, not an endless read).
 */
export function loadScenarioFile(file: string): ScenarioInstance[] {
  const { limits } = scenarioLimits();
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ScenarioError(`${file}: not a regular file (a scenario is a JSON file)`);
    if (st.size > limits.fileBytes) throw new ScenarioLimitError('fileBytes', limits.fileBytes, `${file}: ${st.size} bytes`);
    // Read at most one byte past the limit: a file that grows while it is read is caught too.
    const buf = Buffer.alloc(Math.min(limits.fileBytes + 1, st.size + 1));
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > limits.fileBytes) throw new ScenarioLimitError('fileBytes', limits.fileBytes, `${file}: more than ${limits.fileBytes} bytes`);
    text = buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(`${file}: ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${file}: ${(err as Error).message}`);
  }
  return scenarioInstances(data, file);
}
