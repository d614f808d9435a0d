/** The scenario format (see docs/scenarios.md and schema/scenario.schema.json). */

export type Expectation = 'ok' | ExpectObject;

export interface ExpectObject {
  errno?: string;
  errorOffset?: number | string;
  signal?: 'SIGBUS' | 'SIGSEGV';
  mappingOffset?: number | string;
  fileOffset?: number | string;
  value?: number | string;
  bytes?: string;
  allBytes?: number;
  stat?: Record<string, number | string>;
  exit?: string;
  gpa?: number | string;
  isWrite?: boolean;
  exitFlags?: number | string;
  unsupported?: true;
}

export interface Requires {
  vmType?: string;
  gmemFlags?: unknown;
  inPlace?: boolean;
  rfcConvert?: boolean;
  vmMemoryAttributes?: boolean;
  pins?: boolean;
  backend?: 'model' | 'kernel';
}

export interface Step {
  do: string;
  expect?: Expectation;
  note?: string;
  [field: string]: unknown;
}

export interface Scenario {
  name: string;
  description?: string;
  source?: string;
  requires?: Requires;
  matrix?: Record<string, unknown[]>;
  steps: Step[];
}

/** One runnable instance of a scenario (a matrix expands into several). */
export interface ScenarioInstance {
  /** name, or name[key=value,...] for a matrix instance. */
  id: string;
  scenario: Scenario;
  requires: Requires;
  steps: Step[];
  /** Where it was loaded from (a file path, or "<inline>"). */
  origin: string;
}

/** What a step produced, normalized so two backends can be compared. */
export type Outcome =
  | { ok: unknown }
  | { errno: string; errorOffset?: string }
  | { signal: string; mappingOffset?: string; fileOffset?: string }
  | { exit: string; gpa?: string; flags?: string; isWrite?: boolean; length?: number }
  | { unsupported: string }
  | { notRun: string };
