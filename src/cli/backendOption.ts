/**
 * The one rule for --backend and --profile, shared by every command that takes them:
 *
 * - --backend is auto (the default), kernel, model, or both (commands that compare only).
 * - --profile P names a configuration of the model, so on its own (or with --backend auto or
 *   model) it means "the model with P".
 * - The kernel is not a profile: --profile with --backend kernel is an error. With --backend
 *   both the model takes the release profile chosen for the kernel, configured like it; --profile
 *   P overrides that choice (the configuration still comes from the kernel), e.g. to judge a
 *   7.3 kernel by 6.18's rules, or an in-place kernel by an in-place profile.
 * - kernel and both need a usable kernel: when it is not, the reason is an error here, before
 *   any work, never a stack trace later.
 */
import { kernelAvailability } from '../kernel/kvm.js';
import { DEFAULT_PROFILE, getProfile } from '../model/profile.js';
import { chooseBackend } from '../open.js';
import { UsageError } from './usageError.js';

export const BACKEND_VALUES = ['auto', 'kernel', 'model', 'both'] as const;

export type ResolvedBackend =
  | { backend: 'model'; profile: string; reason: string }
  | { backend: 'kernel'; reason: string }
  | { backend: 'both'; reason: string; profile?: string };

export interface BackendArgs {
  backend?: string | undefined;
  profile?: string | undefined;
}

/**
 * Resolve --backend/--profile for a command. `allowBoth` is false for commands that show one
 * backend (probe). Throws UsageError (exit 2) with the reason.
 */
export function resolveBackend(args: BackendArgs, allowBoth: boolean): ResolvedBackend {
  const requested = args.backend ?? 'auto';
  if (!(BACKEND_VALUES as readonly string[]).includes(requested)) {
    throw new UsageError(`--backend must be auto, kernel, model or both, got ${JSON.stringify(requested)}`);
  }
  if (requested === 'both' && !allowBoth) throw new UsageError('--backend both compares two backends: conform, run and explore only');
  if (args.profile !== undefined) {
    if (requested === 'kernel') throw new UsageError('--profile names a configuration of the model; the kernel is not a profile (drop --backend kernel or --profile)');
    getProfile(args.profile); // An unknown name fails here, with the list of known ones.
    if (requested === 'both') {
      const kernel = kernelAvailability();
      if (!kernel.usable) throw new UsageError(`--backend both needs the kernel: ${kernel.reason}`);
      return { backend: 'both', profile: args.profile, reason: 'requested' };
    }
    return { backend: 'model', profile: args.profile, reason: `--profile ${args.profile}` };
  }
  if (requested === 'model') return { backend: 'model', profile: DEFAULT_PROFILE, reason: 'requested' };
  if (requested === 'auto') {
    const choice = chooseBackend('auto');
    return choice.backend === 'kernel' ? { backend: 'kernel', reason: choice.reason } : { backend: 'model', profile: DEFAULT_PROFILE, reason: choice.reason };
  }
  const kernel = kernelAvailability();
  if (!kernel.usable) throw new UsageError(`--backend ${requested} needs the kernel: ${kernel.reason}`);
  return { backend: requested as 'kernel' | 'both', reason: 'requested' };
}
