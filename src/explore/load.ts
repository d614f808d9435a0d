/** What `gmem explore` shows: a scenario file's instances traced on the model, optionally beside the kernel. */
import { isAbsolute, relative } from 'node:path';
import type { Kvm } from '../api.js';
import { CATALOG_DIR } from '../conformance/catalog.js';
import { profileOfKernel } from '../model/hostConfig.js';
import { getProfile, profileNames } from '../model/profile.js';
import { chooseBackend, openKvm, openModel } from '../open.js';
import { unmetRequirement } from '../scenario/runner.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { ScenarioInstance } from '../scenario/types.js';
import { traceInstance, type TraceOptions } from './trace.js';
import type { Trace } from './traceTypes.js';

/** Shown when no file is named: one file converted page by page, the heart of the design. */
export const DEFAULT_SCENARIO = `${CATALOG_DIR}/conversion/indexing.json`;

export interface ExploreArgs {
  scenario?: string;
  backend?: string;
  profile?: string;
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

function traceOptions(args: ExploreArgs, first: ScenarioInstance): TraceOptions {
  const backend = args.backend ?? 'model';
  if (backend === 'model') {
    const profile = args.profile ?? firstFittingProfile(first);
    getProfile(profile); // An unknown name fails here, with the list.
    return { openModel: () => openKvm({ backend: 'model', profile }), modelLabel: `model (${profile})` };
  }
  if (backend !== 'kernel' && backend !== 'both' && backend !== 'auto') throw new Error(`--backend must be auto, kernel, model or both, got ${JSON.stringify(backend)}`);
  const choice = chooseBackend(backend === 'auto' ? 'auto' : 'kernel');
  if (choice.backend === 'model') return traceOptions({ ...args, backend: 'model' }, first);
  if (args.profile !== undefined) throw new Error(`--profile applies to the model; with --backend ${backend} the model is configured like the kernel`);
  const openKernel = (): Kvm => openKvm({ backend: 'kernel' });
  const profile = profileOfKernel(openKernel); // Fails here, with the reason, when the kernel cannot be used.
  return { openModel: () => openModel(profile), modelLabel: `model (${profile.name})`, other: { open: openKernel, label: 'kernel' } };
}

/** A scenario file loaded and checked, and how to trace it: everything but the tracing itself. */
export interface ExplorePlan {
  instances: ScenarioInstance[];
  trace(): Trace[];
}

/**
 * Load and check the file (its limits included) and choose the backends, without running
 * anything: `gmem explore` serves as soon as this returns and traces when the page asks.
 */
export function explorePlan(args: ExploreArgs): ExplorePlan {
  const instances = loadScenarioFile(args.scenario ?? DEFAULT_SCENARIO);
  if (instances.length === 0) throw new Error(`${args.scenario ?? DEFAULT_SCENARIO} has no scenario instances`);
  const opts = traceOptions(args, instances[0]!);
  return { instances, trace: () => instances.map((instance) => ({ ...traceInstance(instance, opts), origin: shortPath(instance.origin) })) };
}

export function exploreTraces(args: ExploreArgs): Trace[] {
  return explorePlan(args).trace();
}

/** A path as the user would type it from here (absolute only when outside the current folder). */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
