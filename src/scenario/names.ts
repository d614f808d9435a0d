/**
 * The names a scenario may use, checked when it loads: flag names, VM types, capabilities, errno
 * and exit names, known divergences. A misspelled name is a load error that names the field, the
 * value and the closest known name, never a step that fails at run time for a typo.
 */
import { ERRNOS } from '../uapi/errno.js';
import { KVM_EXIT_REASONS } from '../uapi/exits.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { MPOL_MODES } from '../uapi/mempolicy.js';
import { STEP_KINDS, type FieldSpec } from './format.js';
import { didYouMean } from './suggest.js';
import type { Expectation, Requires, Step } from './types.js';
import { getProfile, profileNames } from '../model/profile.js';
import { ScenarioError, flagNames, u64Value } from './values.js';
import { divergenceNames } from './divergenceData.js';

function checkName(value: string, known: { has(name: string): boolean } & Iterable<string>, what: string, where: string): void {
  if (!known.has(value)) throw new ScenarioError(`${where}: unknown ${what} ${JSON.stringify(value)}${didYouMean(value, known)}`);
}

/** A name-or-number field: a u64 string is a number, anything else must be a known name. */
function checkNameOrNumber(value: unknown, known: { has(name: string): boolean } & Iterable<string>, what: string, where: string): void {
  if (typeof value !== 'string') return;
  try {
    u64Value(value, where);
  } catch {
    checkName(value, known, what, where);
  }
}

function checkFlags(value: unknown, where: string): void {
  if (Array.isArray(value)) value.forEach((n, i) => typeof n === 'string' && checkName(n, flagNames(), 'flag name', `${where}[${i}]`));
}

const names = (table: { entries(): ReadonlyArray<readonly [string, number]> }): Set<string> => new Set(table.entries().map(([n]) => n));
const VM_TYPES = names(KVM_X86_VM_TYPES);
const CAPS = names(KVM_CAPS);
const MPOL_MODE_NAMES = names(MPOL_MODES);
const NAME_TABLES = { vmType: [VM_TYPES, 'VM type'], cap: [CAPS, 'capability'], mpolMode: [MPOL_MODE_NAMES, 'memory policy mode'] } as const;
const ERRNO_NAMES = names(ERRNOS);
const EXITS = names(KVM_EXIT_REASONS);
const releaseProfileNames = (): Set<string> => new Set(profileNames().filter((n) => getProfile(n).status === 'released'));

function checkField(spec: FieldSpec, value: unknown, where: string): void {
  if (spec.type === 'flags') checkFlags(value, where);
  else if (spec.type === 'nameOrNumber') checkNameOrNumber(value, NAME_TABLES[spec.names][0], NAME_TABLES[spec.names][1], where);
}

/** Check every name of an instance's steps and requirements (after matrix values are in place). */
export function checkNames(steps: Step[], requires: Requires, origin: string): void {
  if (requires.vmType !== undefined) checkName(requires.vmType, VM_TYPES, 'VM type', `${origin}: requires.vmType`);
  checkFlags(requires.gmemFlags, `${origin}: requires.gmemFlags`);
  steps.forEach((step, i) => {
    const where = `${origin}: steps[${i}]`;
    const fields: Readonly<Record<string, FieldSpec>> = STEP_KINDS[step.do].fields;
    for (const [name, value] of Object.entries(step)) {
      const spec = fields[name];
      if (spec) checkField(spec, value, `${where}.${name}`);
    }
    if (step.divergence !== undefined) checkName(step.divergence, divergenceNames(), 'divergence name', `${where}.divergence`);
    const expectations: [string, Expectation | undefined][] = [['expect', step.expect], ...Object.entries(step.expectBy ?? {}).map(([r, e]): [string, Expectation] => [`expectBy.${r}`, e])];
    for (const [field, e] of expectations) {
      if (field !== 'expect') checkName(field.slice('expectBy.'.length), releaseProfileNames(), 'release profile', `${where}.${field}`);
      if (!e || typeof e !== 'object') continue;
      if (e.errno !== undefined) checkName(e.errno, ERRNO_NAMES, 'errno', `${where}.${field}.errno`);
      if (e.exit !== undefined) checkName(e.exit, EXITS, 'exit reason', `${where}.${field}.exit`);
    }
  });
}
