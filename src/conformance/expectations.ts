/**
 * The behavioural expectations the catalog states, as comparable tuples: the operation, its
 * arguments (handle names replaced by what the handle is: a VM's type, a file's VM type, size and
 * flags, a mapping's file and options; for a guest access also the VM's memslots), and the
 * expected outcome. Two catalog files stating the
 * same tuple say the same thing twice; test/conformance/catalog.test.ts ("single home of
 * expectations") fails when they do.
 *
 * A field the API reads as 0 when it is left out (zeroWhenOmitted in the format table) and given
 * as 0 is left out here too, and a name stands for its number (a VM type, a capability, a mode),
 * so "flags": [] and no flags, or type KVM_X86_DEFAULT_VM and no type, are the same words.
 *
 * What it cannot see: state a step depends on beyond how its handles were made and, for guest
 * accesses, the VM's memslots (earlier allocations, conversions, writes, other slots), and steps whose expectation is the default
 * "ok" or "any" (setup steps look the same everywhere). Those are left to review.
 */
import type { ScenarioInstance, Step } from '../scenario/types.js';
import { STEP_KINDS, type FieldSpec } from '../scenario/format.js';
import { flagsValue, u64Value } from '../scenario/values.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { MPOL_MODES } from '../uapi/mempolicy.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';

export interface ExpectationTuple {
  /** What is asserted, in a canonical form. */
  key: string;
  check: string;
  step: number;
}

/** A canonical form of a field value: numbers and flag lists as their u64, handles as what they are. */
function canonical(spec: FieldSpec | undefined, value: unknown, handles: Map<string, string>): string {
  try {
    if (spec?.type === 'handle') return handles.get(value as string) ?? String(value);
    if (spec?.type === 'guestMemfd' && typeof value === 'string' && handles.has(value)) return handles.get(value)!;
    if (spec?.type === 'flags') return `0x${flagsValue(value, '').toString(16)}`;
    if (spec?.type === 'u64') return `0x${u64Value(value, '').toString(16)}`;
    if (spec?.type === 'u64List' && Array.isArray(value)) return `[${value.map((v) => `0x${u64Value(v, '').toString(16)}`).join(',')}]`;
    if (spec?.type === 'nameOrNumber') {
      const table = NUMBERS[spec.names];
      const number = typeof value === 'string' && table.has(value) ? BigInt(table.byName[value]!) : u64Value(value, '');
      return `0x${number.toString(16)}`;
    }
    if (spec?.type === 'userspaceAddr' && value && typeof value === 'object') {
      const ref = value as { mappingOf: string; plus?: unknown };
      return `address of ${handles.get(ref.mappingOf) ?? ref.mappingOf} + ${ref.plus ?? 0}`;
    }
    if (spec?.type === 'userspaceAddr') return `0x${u64Value(value, '').toString(16)}`;
  } catch {
    // Left as written: the loader already refused what cannot be read.
  }
  return JSON.stringify(value);
}

/** A name-or-number field's names, so that a name and its number compare equal. */
const NUMBERS: Record<'vmType' | 'cap' | 'mpolMode', { has(name: string): boolean; readonly byName: Readonly<Record<string, number>> }> = { vmType: KVM_X86_VM_TYPES, cap: KVM_CAPS, mpolMode: MPOL_MODES };

/** Whether a field the API reads as 0 when left out holds 0 (then it says nothing more). */
function sayNothing(spec: FieldSpec | undefined, canonicalValue: string): boolean {
  return spec?.zeroWhenOmitted === true && (canonicalValue === '0x0' || /^\[(0x0,)*(0x0)?\]$/.test(canonicalValue));
}

function describeStep(step: Step, handles: Map<string, string>): string {
  const fields: Readonly<Record<string, FieldSpec>> = STEP_KINDS[step.do].fields;
  const args = Object.entries(step)
    .filter(([k]) => k !== 'do' && k !== 'as' && k !== 'expect' && k !== 'expectBy' && k !== 'note' && k !== 'divergence')
    .filter(([k, v]) => !sayNothing(fields[k], canonical(fields[k], v, handles)))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${canonical(fields[k], v, handles)}`);
  return `${step.do}(${args.join(', ')})`;
}

/** The expectation tuples of one instance. */
export function expectationTuples(instance: ScenarioInstance): ExpectationTuple[] {
  const handles = new Map<string, string>([['kvm', '/dev/kvm']]);
  // A guest access depends on the VM's memslots, so for guest accesses they are part of what the
  // VM is (each described with the VM as "self", else it would repeat the VM's description).
  const slots = new Map<string, string>();
  const tuples: ExpectationTuple[] = [];
  instance.steps.forEach((step, i) => {
    const guest = step.do === 'guestRead' || step.do === 'guestWrite';
    const what = describeStep(step, guest ? new Map([...handles, [step.vm, `${handles.get(step.vm)}${slots.get(step.vm) ?? ''}`]]) : handles);
    if ('as' in step && typeof step.as === 'string') handles.set(step.as, `[${what}]`);
    if (step.do === 'setUserMemoryRegion' || step.do === 'setUserMemoryRegion2') {
      slots.set(step.vm, `${slots.get(step.vm) ?? ''} + ${describeStep(step, new Map([...handles, [step.vm, 'self']]))}`);
    }
    const e = step.expect;
    if (e === undefined || e === 'ok' || e === 'any') return;
    tuples.push({ key: `${what} -> ${JSON.stringify(e)}`, check: instance.id, step: i });
  });
  return tuples;
}

/** Tuples stated by more than one catalog file (by origin), with where each is stated. */
export function duplicateExpectations(instances: ScenarioInstance[]): { key: string; where: string[] }[] {
  const byKey = new Map<string, Map<string, string>>();
  for (const instance of instances) {
    for (const t of expectationTuples(instance)) {
      const files = byKey.get(t.key) ?? new Map<string, string>();
      if (!files.has(instance.origin)) files.set(instance.origin, `${t.check} step ${t.step}`);
      byKey.set(t.key, files);
    }
  }
  return [...byKey].filter(([, files]) => files.size > 1).map(([key, files]) => ({ key, where: [...files.values()] }));
}
