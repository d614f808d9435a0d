/**
 * The scenario format's TypeScript types. Steps are derived from the table in format.ts (the one
 * definition of step kinds and fields); expectations and requirements are declared here.
 */
import type { StepKind, STEP_KINDS } from './format.js';

/**
 * What a step must produce. "any": the answer is the host's configuration rather than a rule (a
 * capability's value on this host), so one backend accepts whatever it answers (but it must run);
 * two backends must still agree.
 */
export type Expectation = 'ok' | 'any' | ExpectObject;

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
  /** A policy as getMempolicy reports it: "MPOL_BIND nodes=0", "MPOL_PREFERRED|MPOL_F_STATIC_NODES nodes=0,5", "MPOL_DEFAULT". */
  policy?: string;
  unsupported?: true;
}

export interface Requires {
  vmType?: string;
  gmemFlags?: unknown;
  inPlace?: boolean;
  inPlaceOn?: boolean;
  vmAttributesIoctl?: boolean;
  rfcConvert?: boolean;
  vmMemoryAttributes?: boolean;
  pins?: boolean;
  transparentHugepages?: boolean;
  backend?: 'model' | 'kernel';
  /** At least this many NUMA nodes with memory (kvm.features().memoryNodes). */
  memoryNodes?: number;
}

/** A u64 as a scenario writes it (see values.ts). */
export type U64 = number | string;
/** Flags: a u64 or names OR-ed together. */
export type Flags = U64 | string[];

/** The TypeScript type of each field kind of format.ts. */
interface ValueOfType {
  define: string;
  handle: string;
  u64: U64;
  flags: Flags;
  bytes: string;
  byte: number;
  string: string;
  nameOrNumber: string | number;
  userspaceAddr: U64 | { mappingOf: string; plus?: U64 };
  guestMemfd: string | number;
  u64List: U64[];
}

type FieldValue<F> = F extends { type: 'enum'; values: readonly (infer V)[] } ? V : F extends { type: infer T extends keyof ValueOfType } ? ValueOfType[T] : never;
type FieldsOf<K extends StepKind> = (typeof STEP_KINDS)[K]['fields'];
type RequiredKeys<F> = { [P in keyof F]: F[P] extends { required: true } ? P : never }[keyof F];

/** The fields every step may have. */
export interface CommonStepFields {
  expect?: Expectation;
  /** The expectation on the named releases (release profile names), where it differs from `expect`. */
  expectBy?: Record<string, Expectation>;
  note?: string;
  /** A known divergence (catalog/divergences.json) this step shows on the kernel. */
  divergence?: string;
}

/** A step of one kind, with its fields typed as format.ts declares them. */
export type StepOf<K extends StepKind> = CommonStepFields & { do: K } & { [P in RequiredKeys<FieldsOf<K>>]: FieldValue<FieldsOf<K>[P]> } & {
  [P in Exclude<keyof FieldsOf<K>, RequiredKeys<FieldsOf<K>>>]?: FieldValue<FieldsOf<K>[P]>;
};

/** Any step. */
export type Step = { [K in StepKind]: StepOf<K> }[StepKind];

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
