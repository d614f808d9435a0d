/**
 * Loading scenarios: validated against the schema generated from format.ts (errors name the step,
 * the field and the bad value, with the closest known name for a typo), names checked (flags, VM
 * types, errno...), handle names checked (each defined before use), matrices expanded.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { COMMON_FIELDS, STEP_KINDS, STEP_KIND_NAMES, isStepKind } from './format.js';
import { checkNames } from './names.js';
import { EXPECT_FIELDS, scenarioSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Requires, Scenario, ScenarioInstance, Step } from './types.js';
import { ScenarioError, formatMatrixValue } from './values.js';

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validate | undefined;

function validate(): Validate {
  if (!validator) {
    const Ajv2020 = (Ajv2020Module as unknown as { default: new (o: object) => { compile(s: object): Validate } }).default;
    // code.optimize off halves the compile time (about 0.25 s instead of 0.5 s, paid by every
    // process that loads a scenario); validating a few hundred files gets no slower that matters.
    const ajv = new Ajv2020({ allErrors: false, discriminator: true, strict: true, inlineRefs: false, code: { optimize: false } });
    validator = ajv.compile(scenarioSchema() as object);
  }
  return validator;
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
    const made = 'as' in step ? step.as : undefined;
    if (typeof made === 'string') {
      if (defined.has(made)) throw new ScenarioError(`${origin}: steps[${i}].as: handle ${JSON.stringify(made)} is already defined`);
      defined.add(made);
    }
  });
}

/** Replace every "$key" string (a whole value) by the matrix value. */
function substitute<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === 'string' && value.startsWith('$') && value.slice(1) in vars) return vars[value.slice(1)] as T;
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  return value;
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

/** Read a scenario file. */
export function loadScenarioFile(file: string): ScenarioInstance[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioError(`${file}: ${(err as Error).message}`);
  }
  return scenarioInstances(data, file);
}
