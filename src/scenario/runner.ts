/** Running a scenario instance on a backend, step by step, and on two backends side by side. */
import type { Kvm } from '../api.js';
import { isArgumentError } from '../args.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../uapi/flags.js';
import { KVM_X86_VM_TYPES } from '../uapi/vmTypes.js';
import { vmAttributesIoctlExists } from '../capabilities.js';
import { execute, type StepContext } from './ops.js';
import { describeExpectation, describeOutcome, errorOutcome, mismatch, okOutcome } from './outcome.js';
import type { Outcome, ScenarioInstance, Step } from './types.js';
import { ScenarioError, flagsValue } from './values.js';
import { ScenarioBudget } from './budget.js';
import { expectationFor } from './expectBy.js';
import { ScenarioLimitError, allocLimitFor, scenarioLimits } from './limits.js';

export interface StepReport {
  index: number;
  do: string;
  note?: string;
  expected: string;
  outcome: Outcome;
  /** What went wrong, when the outcome does not meet the expectation. */
  failure?: string;
  /** The model's reason for an error, when it has one. */
  detail?: string;
  /** A scenario limit stopped the instance here: the step did not run, and nothing after it. */
  limited?: true;
}

export interface ScenarioReport {
  id: string;
  status: 'pass' | 'fail' | 'skip';
  /** Why it was skipped, or the first failure in words. */
  reason?: string;
  steps: StepReport[];
}

/** Flag names the instance uses for guest_memfd flags (they differ between proposals). */
function gmemFlagNames(instance: ScenarioInstance): string[] {
  const names = new Set<string>();
  const add = (v: unknown) => Array.isArray(v) && v.forEach((n) => typeof n === 'string' && n.startsWith('GUEST_MEMFD_FLAG_') && names.add(n));
  add(instance.requires.gmemFlags);
  for (const step of instance.steps) if (step.do === 'createGuestMemfd') add(step.flags);
  return [...names];
}

/**
 * The one sentence for a kernel built without guest_memfd (Debian's 6.12): every check that makes
 * a guest_memfd skips with it, rather than failing on ENOTTY.
 */
export function noGuestMemfd(kvm: Kvm): string | undefined {
  if (kvm.checkExtension('KVM_CAP_GUEST_MEMFD') !== 0) return undefined;
  return 'this kernel has no guest_memfd: KVM_CAP_GUEST_MEMFD answers 0 and KVM_CREATE_GUEST_MEMFD is not an ioctl (built without it, as Debian builds 6.12)';
}

/** Why this backend cannot run the instance, or undefined when it can. */
export function unmetRequirement(kvm: Kvm, instance: ScenarioInstance): string | undefined {
  const r = instance.requires;
  if (r.backend && kvm.backend !== r.backend) return `runs on the ${r.backend} backend only`;
  const noGmem = instance.steps.some((s) => s.do === 'createGuestMemfd') ? noGuestMemfd(kvm) : undefined;
  if (noGmem) return noGmem;
  const features = kvm.features();
  const known = features.gmemFlagNames;
  const missing = known && gmemFlagNames(instance).find((n) => !known.has(n));
  if (missing) return `profile ${features.profile} has no ${missing}`;
  // Asked last: a check that needs both pins and an unreleased feature is skipped for the feature,
  // which is the reason that holds on every backend (pins are a backend's gap, not the kernel's).
  const noPins = r.pins && !features.pins ? 'long-term pins are not available on this backend' : undefined;
  if (r.memoryNodes !== undefined && features.memoryNodes.length < r.memoryNodes) {
    return `needs ${r.memoryNodes} NUMA nodes with memory; this ${kvm.backend === 'model' ? 'profile' : 'machine'} has ${features.memoryNodes.length} (${features.memoryNodes.join(',')})`;
  }
  if (r.transparentHugepages !== undefined) {
    const thp = features.transparentHugepages;
    const who = features.profileData ? `profile ${features.profile}` : 'this kernel';
    if (thp !== r.transparentHugepages) return thp ? `${who} has transparent huge pages` : `${who} is built without transparent huge pages${features.profileData ? '' : ' (no /sys/kernel/mm/transparent_hugepage)'}`;
  }
  if (r.inPlaceOn !== undefined && (features.inPlaceParameter === 'Y') !== r.inPlaceOn) {
    return r.inPlaceOn ? 'kvm.gmem_in_place_conversion is not on' : 'kvm.gmem_in_place_conversion is on: every guest_memfd starts private unless INIT_SHARED, on any VM type';
  }
  const typeName = r.vmType ?? 'KVM_X86_DEFAULT_VM';
  if (!KVM_X86_VM_TYPES.has(typeName)) return `unknown VM type ${typeName}`;
  const type = KVM_X86_VM_TYPES.byName[typeName];
  if (!((kvm.checkExtension('KVM_CAP_VM_TYPES') || 1) >>> type & 1)) return `${typeName} is not offered (KVM_CAP_VM_TYPES)`;
  if (r.rfcConvert && features.conversion !== 'convert') return 'no KVM_GMEM_CONVERT ioctls (RFC v2 of 1G page support, profile rfc-1g-v2 only)';
  const needsVm = r.gmemFlags !== undefined || r.inPlace !== undefined || r.vmMemoryAttributes || r.vmAttributesIoctl !== undefined;
  if (!needsVm) return noPins;
  const vm = kvm.createVm(type);
  try {
    if (r.gmemFlags !== undefined) {
      const want = flagsValue(r.gmemFlags, 'requires.gmemFlags');
      const have = BigInt(vm.checkExtension('KVM_CAP_GUEST_MEMFD_FLAGS'));
      if ((have & want) !== want) return `${typeName} does not accept guest_memfd flags 0x${want.toString(16)} (KVM_CAP_GUEST_MEMFD_FLAGS = 0x${have.toString(16)})`;
    }
    if (r.inPlace !== undefined) {
      const cap = features.inPlaceCapability;
      const has = features.conversion === 'attributes2' && vm.checkExtension(cap) !== 0;
      if (r.inPlace && !has) return `no in-place conversion for ${typeName} on ${features.profile} (capability ${cap} answers 0)`;
      if (!r.inPlace && has) return `in-place conversion is on for ${typeName} (capability ${cap} answers non-zero)`;
    }
    if (r.vmAttributesIoctl !== undefined && vmAttributesIoctlExists(vm) !== r.vmAttributesIoctl) {
      return r.vmAttributesIoctl ? 'the VM-wide KVM_SET_MEMORY_ATTRIBUTES is compiled out (ENOTTY)' : 'the VM-wide KVM_SET_MEMORY_ATTRIBUTES exists';
    }
    if (r.vmMemoryAttributes && !(BigInt(vm.checkExtension('KVM_CAP_MEMORY_ATTRIBUTES')) & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
      return `KVM_SET_MEMORY_ATTRIBUTES cannot set PRIVATE on ${typeName}`;
    }
    return noPins;
  } finally {
    vm.close();
  }
}

function runStep(ctx: StepContext, step: Step, index: number): { outcome: Outcome; detail?: string } {
  const where = `steps[${index}]`;
  try {
    return { outcome: okOutcome(execute(ctx, step, where)) };
  } catch (err) {
    if (err instanceof ScenarioError) return { outcome: { notRun: err.message } };
    // Only the API's own refusals (Node's argument codes) are an outcome; any other TypeError or
    // RangeError is a bug (in a model rule, or here) and must fail the run, not pass as a refusal.
    if (isArgumentError(err)) return { outcome: { notRun: `the API refused the arguments: ${err.message}` } };
    const { outcome, detail } = errorOutcome(err);
    return detail ? { outcome, detail } : { outcome };
  }
}

/** Close every handle a scenario made, newest first (mappings and pins before their files). */
function cleanUp(handles: Map<string, unknown>): void {
  for (const [name, h] of [...handles.entries()].reverse()) {
    if (name === 'kvm') continue;
    const o = h as { close?: () => void; unmap?: () => void; release?: () => void };
    try {
      (o.unmap ?? o.release ?? o.close)?.call(o);
    } catch {
      // Already gone: nothing to free.
    }
  }
}

/** Watches a run from the inside (the explorer draws the state after each step). */
export interface RunObserver {
  /** After each step, before the next and before anything is cleaned up. */
  afterStep(handles: ReadonlyMap<string, unknown>, report: StepReport): void;
}

/**
 * Run an instance on an open Kvm. The Kvm stays open; everything the steps made is closed.
 * `release` picks the steps' `expectBy` entries: the model's own profile's release by default; a
 * kernel is judged by the release profile chosen for it (the caller's), else by `expect` alone.
 */
export function runInstance(kvm: Kvm, instance: ScenarioInstance, observer?: RunObserver, release = kvm.features().profileData?.release.release): ScenarioReport {
  let unmet: string | undefined;
  try {
    unmet = unmetRequirement(kvm, instance);
  } catch (err) {
    if (err instanceof ScenarioError) return { id: instance.id, status: 'fail', reason: err.message, steps: [] };
    throw err;
  }
  if (unmet) return { id: instance.id, status: 'skip', reason: unmet, steps: [] };
  const ctx: StepContext = { kvm, handles: new Map([['kvm', kvm]]) };
  const steps: StepReport[] = [];
  const { limits, explicit } = scenarioLimits();
  const budget = new ScenarioBudget(limits, allocLimitFor(kvm.backend, limits, explicit), kvm.backend === 'kernel');
  try {
    for (const [index, step] of instance.steps.entries()) {
      let limited: string | undefined;
      try {
        budget.charge(ctx, step);
      } catch (err) {
        if (!(err instanceof ScenarioLimitError)) throw err;
        limited = err.message;
      }
      const { outcome, detail } = limited !== undefined ? { outcome: { notRun: limited }, detail: undefined } : runStep(ctx, step, index);
      const expect = expectationFor(step, release);
      const failure = 'notRun' in outcome ? outcome.notRun : mismatch(expect, outcome);
      const report: StepReport = {
        index,
        do: step.do,
        ...(step.note ? { note: step.note } : {}),
        expected: describeExpectation(expect),
        outcome,
        ...(failure ? { failure } : {}),
        ...(detail ? { detail } : {}),
        ...(limited !== undefined ? { limited: true as const } : {}),
      };
      steps.push(report);
      observer?.afterStep(ctx.handles, report);
      if (limited !== undefined) break; // A limit stops the instance: nothing after it runs.
    }
  } finally {
    cleanUp(ctx.handles);
  }
  const first = steps.find((s) => s.failure);
  return first
    ? { id: instance.id, status: 'fail', reason: `step ${first.index} (${first.do}${first.note ? `: ${first.note}` : ''}): ${first.failure}`, steps }
    : { id: instance.id, status: 'pass', steps };
}

export interface Disagreement {
  id: string;
  step: number;
  do: string;
  note?: string;
  a: string;
  b: string;
  aOutcome: Outcome;
  bOutcome: Outcome;
}

/** Steps where two runs of the same instance produced different outcomes. */
export function disagreements(a: ScenarioReport, b: ScenarioReport): Disagreement[] {
  if (a.status === 'skip' || b.status === 'skip') return [];
  const found: Disagreement[] = [];
  for (const [i, s] of a.steps.entries()) {
    const t = b.steps[i];
    if (!t) break;
    // Limits charge each backend what it would really allocate (the kernel a page per page a
    // fallocate covers, the model nothing), so one side may stop where the other runs on: from
    // there the two runs are not comparable, which is not a disagreement about the interface.
    if (s.limited || t.limited) break;
    if (JSON.stringify(s.outcome) === JSON.stringify(t.outcome)) continue;
    found.push({ id: a.id, step: i, do: s.do, ...(s.note ? { note: s.note } : {}), a: describeOutcome(s.outcome), b: describeOutcome(t.outcome), aOutcome: s.outcome, bOutcome: t.outcome });
  }
  return found;
}
