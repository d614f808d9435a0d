/**
 * Loading scenarios: validated against schema/scenario.schema.json (errors name the step and the
 * field), handle names checked (each defined before use), matrices expanded into instances.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { Requires, Scenario, ScenarioInstance, Step } from './types.js';
import { ScenarioError, formatMatrixValue } from './values.js';
import { ScenarioLimitError, scenarioLimits } from './limits.js';

const SCHEMA_URL = new URL('../../../schema/scenario.schema.json', import.meta.url);

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validate | undefined;

function validate(): Validate {
  if (!validator) {
    const Ajv2020 = (Ajv2020Module as unknown as { default: new (o: object) => { compile(s: object): Validate } }).default;
    const ajv = new Ajv2020({ allErrors: false, discriminator: true, strict: true });
    validator = ajv.compile(JSON.parse(readFileSync(fileURLToPath(SCHEMA_URL), 'utf8')) as object);
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

function describeError(e: ErrorObject, data: unknown): string {
  const where = path(e.instancePath) || '(scenario)';
  const step = /^\/steps\/(\d+)/.exec(e.instancePath);
  const stepDo = step ? (data as Scenario).steps?.[Number(step[1])]?.do : undefined;
  const label = stepDo ? ` (a ${stepDo} step)` : '';
  if (e.keyword === 'additionalProperties') return `${where}${label}: unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required') return `${where}${label}: missing field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === 'discriminator' || e.keyword === 'enum') {
    return `${where}${label}: ${e.message ?? 'invalid value'}${e.params && 'allowedValues' in e.params ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : ''}`;
  }
  return `${where}${label}: ${e.message ?? 'invalid'}`;
}

/** Handle fields: which step fields name a handle, and which define one. */
const USES = ['vm', 'file', 'map', 'pin', 'handle', 'on'] as const;

function checkHandles(steps: Step[], origin: string): void {
  const defined = new Set<string>(['kvm']);
  steps.forEach((step, i) => {
    for (const field of USES) {
      const name = step[field];
      if (typeof name === 'string' && !defined.has(name)) throw new ScenarioError(`${origin}: steps[${i}].${field}: handle ${JSON.stringify(name)} is not defined by an earlier step`);
    }
    const ref = step.userspaceAddr as { mappingOf?: string } | undefined;
    if (ref && typeof ref === 'object' && ref.mappingOf && !defined.has(ref.mappingOf)) {
      throw new ScenarioError(`${origin}: steps[${i}].userspaceAddr.mappingOf: handle ${JSON.stringify(ref.mappingOf)} is not defined by an earlier step`);
    }
    if (typeof step.guestMemfd === 'string' && !/^[0-9$]/.test(step.guestMemfd) && !defined.has(step.guestMemfd)) {
      throw new ScenarioError(`${origin}: steps[${i}].guestMemfd: handle ${JSON.stringify(step.guestMemfd)} is not defined by an earlier step`);
    }
    if (typeof step.as === 'string') {
      if (defined.has(step.as)) throw new ScenarioError(`${origin}: steps[${i}].as: handle ${JSON.stringify(step.as)} is already defined`);
      defined.add(step.as);
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
  const check = validate();
  if (!check(data)) throw new ScenarioError(`${origin}: ${describeError(check.errors![0]!, data)}`);
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
    checkHandles(steps, origin);
    const id = Object.keys(v).length ? `${scenario.name}[${Object.entries(v).map(([k, x]) => `${k}=${formatMatrixValue(x)}`).join(',')}]` : scenario.name;
    return { id, scenario, requires: substitute(scenario.requires ?? {}, v) as Requires, steps, origin };
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
