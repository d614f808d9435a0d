/**
 * What one scenario instance may cost while it runs: bytes returned by reading steps, bytes the
 * backend may allocate, and wall-clock time. Each step is charged before it runs, from its own
 * fields (an upper bound, so nothing is allocated or read past a limit), and a step over a limit
 * is not run: the instance stops there with a ScenarioLimitError naming the limit.
 */
import type { GuestMemfd, Vm } from '../api.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { FALLOC_FL_KEEP_SIZE } from '../uapi/flags.js';
import { checkMemoryAttributesArgs } from '../model/memoryAttributes.js';
import { PAGE_SHIFT_N } from '../uapi/memory.js';
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
 * Kernel memory per page a KVM_SET_MEMORY_ATTRIBUTES with non-zero attributes reserves: one
 * xarray slot per page, in radix-tree nodes of 64 slots (~576 bytes), plus the levels above.
 * Measured on 7.3 (build:7.3.4 under gmem vm): 2^20 pages grew Slab by 9,240 kB, 9.0 bytes a page.
 */
const ATTRIBUTE_BYTES_PER_PAGE = 10;

/**
 * Pages a KVM_SET_MEMORY_ATTRIBUTES makes the kernel walk. Once its arguments pass the checks,
 * kvm_vm_set_mem_attributes reserves an xarray entry for every page of the range (when setting)
 * and stores every page, one at a time under the slots lock, with no signal check: a range of
 * 2^52 pages never returns, and fills kernel memory until the OOM killer ends the process. It
 * walks nothing when the arguments are refused, and nothing for a VM that supports no attribute
 * (such a VM can hold none, so clearing finds nothing to clear). The VM's supported set is asked
 * of the VM itself (KVM_CAP_MEMORY_ATTRIBUTES at VM scope), as the kernel decides it per VM.
 */
function attributeWalk(ctx: StepContext, step: Step): { pages: number; setting: boolean } {
  const none = { pages: 0, setting: false };
  if (step.do !== 'setMemoryAttributes') return none;
  try {
    const address = u64Value(step.address, 'address');
    const size = u64Value(step.size, 'size');
    const attributes = flagsValue(step.attributes, 'attributes');
    const flags = step.flags === undefined ? 0n : u64Value(step.flags, 'flags');
    const vm = ctx.handles.get(step.vm) as Vm | undefined;
    const supported = vm ? BigInt(vm.checkExtension(KVM_CAPS.byName.KVM_CAP_MEMORY_ATTRIBUTES)) : 0n;
    if (supported === 0n) return none;
    checkMemoryAttributesArgs(address, size, attributes, flags, supported, () => {
      throw new Error('refused');
    });
    return { pages: Number(size >> PAGE_SHIFT_N), setting: attributes !== 0n };
  } catch {
    // A malformed field, a closed handle or an argument the ioctl refuses: it fails before the
    // kernel walks.
    return none;
  }
}

/**
 * Per step kind: bytes it returns, and bytes it may make the backend allocate. The model stores
 * only written, non-zero data (fallocate and pins are page-state ranges); the kernel allocates a
 * page for every page a host or guest access touches and every page fallocate covers. Steps not
 * listed cost nothing beyond their step (handles, ranges of page state).
 */
function cost(ctx: StepContext, step: Step, kernel: boolean): { read: number; alloc: number; walk?: number } {
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
    case 'setMemoryAttributes': {
      // The model keeps attributes as ranges: only the kernel pays per page.
      if (!kernel) return { read: 0, alloc: 0 };
      const walk = attributeWalk(ctx, step);
      return { read: 0, alloc: walk.setting ? walk.pages * ATTRIBUTE_BYTES_PER_PAGE : 0, walk: walk.pages };
    }
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
    if ((c.walk ?? 0) > this.limits.attributePages) {
      throw new ScenarioLimitError('attributePages', this.limits.attributePages, `a range of ${c.walk} pages, which the kernel walks page by page in one uninterruptible call,`);
    }
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
