/** What `gmem explore` shows: a scenario file's instances traced on the model, optionally beside the kernel. */
import { isAbsolute, relative } from 'node:path';
import type { Kvm } from '../api.js';
import { CATALOG_DIR } from '../conformance/catalog.js';
import { profileOfKernel } from '../model/hostConfig.js';
import { getProfile, profileNames } from '../model/profile.js';
import { openKvm, openModel } from '../open.js';
import { unmetRequirement } from '../scenario/runner.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { ScenarioInstance } from '../scenario/types.js';
import { traceInstance, type TraceOptions } from './trace.js';
import type { Trace } from './traceTypes.js';

/** Shown when no file is named: one file converted page by page, the heart of the design. */
export const DEFAULT_SCENARIO = `${CATALOG_DIR}/conversion/indexing.json`;

/**
 * Which backends to trace on, already resolved by the command line's one rule
 * (src/cli/backendOption.ts): the model alone, or the model configured like the kernel with the
 * kernel beside it. The pictures always come from the model.
 */
export type ExploreBackends =
  /** `profile` undefined: the first profile that can run the file's first instance. */
  | { kind: 'model'; profile?: string }
  /** `profile` replaces the release profile chosen for the kernel (--backend both --profile P). */
  | { kind: 'beside-kernel'; profile?: string };

export interface ExploreArgs {
  scenario?: string;
  /** Default: the model alone. */
  backends?: ExploreBackends;
}

/** The first profile that can run the instance: the scenario then opens without flags. */
function firstFittingProfile(instance: ScenarioInstance): string {
  for (const name of profileNames()) {
    const kvm = openModel(getProfile(name));
    try {
      if (unmetRequirement(kvm, instance) === undefined) return name;
    } finally {
      kvm.close();
    }
  }
  return profileNames()[0]!;
}

function traceOptions(backends: ExploreBackends, first: ScenarioInstance): TraceOptions {
  if (backends.kind === 'model') {
    const profile = backends.profile ?? firstFittingProfile(first);
    getProfile(profile); // An unknown name fails here, with the list.
    return { openModel: () => openKvm({ backend: 'model', profile }), modelLabel: `model (${profile})` };
  }
  const openKernel = (): Kvm => openKvm({ backend: 'kernel' });
  // Opens the kernel to ask it: fails here, with the reason, when the kernel cannot be used.
  const profile = profileOfKernel(openKernel, backends.profile !== undefined ? getProfile(backends.profile) : undefined);
  return { openModel: () => openModel(profile), modelLabel: `model (${profile.name})`, other: { open: openKernel, label: 'kernel' } };
}

/** A scenario file loaded and checked, and how to trace it: everything but the tracing itself. */
export interface ExplorePlan {
  instances: ScenarioInstance[];
  /** What the pictures come from, and what runs beside it: "model (inplace-v13)", "model (linux-6.18) beside the kernel". */
  label: string;
  trace(): Trace[];
}

/**
 * Load and check the file (its limits included) and choose the backends, without running
 * anything: `gmem explore` serves as soon as this returns and traces when the page asks.
 */
export function explorePlan(args: ExploreArgs): ExplorePlan {
  const instances = loadScenarioFile(args.scenario ?? DEFAULT_SCENARIO);
  if (instances.length === 0) throw new Error(`${args.scenario ?? DEFAULT_SCENARIO} has no scenario instances`);
  const opts = traceOptions(args.backends ?? { kind: 'model' }, instances[0]!);
  const label = opts.other ? `${opts.modelLabel} beside the ${opts.other.label}` : opts.modelLabel;
  return { instances, label, trace: () => instances.map((instance) => ({ ...traceInstance(instance, opts), origin: shortPath(instance.origin) })) };
}

export function exploreTraces(args: ExploreArgs): Trace[] {
  return explorePlan(args).trace();
}

/** A path as the user would type it from here (absolute only when outside the current folder). */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
