/**
 * What one scenario instance may cost while it runs: bytes returned by reading steps, bytes the
 * backend may allocate, and wall-clock time. Each step is charged before it runs, from its own
 * fields (an upper bound, so nothing is allocated or read past a limit), and a step over a limit
 * is not run: the instance stops there with a ScenarioLimitError naming the limit.
 */
import type { GuestMemfd } from '../api.js';
import { FALLOC_FL_KEEP_SIZE } from '../uapi/flags.js';
import { ScenarioLimitError, formatLimit, type ScenarioLimits } from './limits.js';
import type { StepContext } from './ops.js';
import type { Step } from './types.js';
import { flagsValue, u64Value } from './values.js';

/** A u64 field as a number (an upper bound is all a charge needs); 0 when absent or malformed (the step itself reports that). */
function field(step: Step, name: string): number {
  const value = (step as unknown as Record<string, unknown>)[name];
  try {
    return value === undefined ? 0 : Number(u64Value(value, name));
  } catch {
    return 0;
  }
}

const hexLength = (step: Step): number => ('bytes' in step && typeof step.bytes === 'string' ? step.bytes.length / 2 : 0);

/**
 * Bytes a fallocate can allocate: at most the part of its range inside the file, and nothing for
 * a mode other than allocation (guest_memfd allocates only with exactly KEEP_SIZE: it refuses a
 * mode without KEEP_SIZE or with anything but PUNCH_HOLE with EOPNOTSUPP before touching a page).
 */
function fallocateBound(ctx: StepContext, step: Step): number {
  try {
    if (step.do === 'fallocate' && flagsValue(step.mode ?? 0, 'mode') !== BigInt(FALLOC_FL_KEEP_SIZE)) return 0;
    const file = 'file' in step ? (ctx.handles.get(step.file) as GuestMemfd | undefined) : undefined;
    if (!file) return 0;
    const size = Number(file.stat().size);
    const offset = field(step, 'offset');
    return Math.max(0, Math.min(field(step, 'len'), size - offset));
  } catch {
    return 0; // A closed or foreign handle: the step fails without allocating.
  }
}

/**
 * Per step kind: bytes it returns, and bytes it may make the backend allocate. The model stores
 * only written, non-zero data (fallocate and pins are page-state ranges); the kernel allocates a
 * page for every page a host or guest access touches and every page fallocate covers. Steps not
 * listed cost nothing beyond their step (handles, ranges of page state).
 */
function cost(ctx: StepContext, step: Step, kernel: boolean): { read: number; alloc: number } {
  switch (step.do) {
    case 'hostRead':
      return { read: field(step, 'length'), alloc: kernel ? field(step, 'length') : 0 };
    case 'fileRead':
    case 'pread':
      return { read: field(step, 'length'), alloc: 0 };
    case 'guestRead':
      // The read's buffer exists on both; on the kernel the guest's touch also allocates.
      return { read: field(step, 'length'), alloc: kernel ? field(step, 'length') : 0 };
    case 'guestWrite': {
      const n = step.bytes !== undefined ? hexLength(step) : field(step, 'length');
      return { read: 0, alloc: n };
    }
    case 'hostWrite':
      return { read: 0, alloc: hexLength(step) };
    case 'hostFill':
      return { read: 0, alloc: kernel || step.byte !== 0 ? field(step, 'length') : 0 };
    case 'fallocate':
    case 'allocate':
      return { read: 0, alloc: kernel ? fallocateBound(ctx, step) : 0 };
    default:
      return { read: 0, alloc: 0 };
  }
}

export class ScenarioBudget {
  private read = 0;
  private allocated = 0;
  private readonly started = performance.now();

  constructor(
    private readonly limits: ScenarioLimits,
    /** The allocation limit for this backend (see allocLimitFor). */
    private readonly allocLimit: number,
    private readonly kernel: boolean,
  ) {}

  /**
   * Charge a step before it runs; throws ScenarioLimitError (and charges nothing) past a limit.
   * The message says what the step would cost; the report names the step.
   */
  charge(ctx: StepContext, step: Step): void {
    const elapsed = performance.now() - this.started;
    if (elapsed > this.limits.timeMs) throw new ScenarioLimitError('timeMs', this.limits.timeMs, `the instance has run ${Math.round(elapsed)} ms, which`);
    const c = cost(ctx, step, this.kernel);
    if (this.read + c.read > this.limits.readBytes) {
      throw new ScenarioLimitError('readBytes', this.limits.readBytes, `reading ${c.read} bytes, after ${this.read} already read,`);
    }
    if (this.allocated + c.alloc > this.allocLimit) {
      const capped = this.allocLimit !== this.limits.allocBytes ? ` (capped at half of MemAvailable: ${formatLimit('allocBytes', this.allocLimit)})` : '';
      throw new ScenarioLimitError('allocBytes', this.allocLimit, `allocating up to ${c.alloc} bytes, after ${this.allocated}${capped},`);
    }
    this.read += c.read;
    this.allocated += c.alloc;
  }
}
