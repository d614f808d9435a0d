/**
 * How the kernel backend recognises the in-place conversion series: its capability (whose number
 * moved between revisions, so the user can name another) and its module parameter. The backend
 * only reads what the kernel says; it never answers a conversion for the kernel.
 */
import { readFileSync } from 'node:fs';
import { invalidArgType, invalidArgValue } from '../args.js';
import { KVM_CAPS } from '../uapi/caps.js';
import { PROPOSED_CAPS, UPSTREAM_CAPS_AFTER_244 } from '../uapi/proposals.js';

/** kvm.gmem_in_place_conversion (0444: read at load time, fixed until kvm.ko is reloaded). */
export const GMEM_IN_PLACE_PARAMETER = '/sys/module/kvm/parameters/gmem_in_place_conversion';

/** The environment variable that names another capability number (e.g. 249 for a v3-v7 kernel). */
export const INPLACE_CAP_ENV = 'GMEM_INPLACE_CAP';

/** What the kernel said about the series, read once when /dev/kvm is opened. */
export interface KernelInPlace {
  /** The capability number asked (the option, the environment variable, or the latest revision's). */
  readonly capability: number;
  /** Its answer at system scope: PRIVATE (8) when in-place is on and KVM has private memory. */
  readonly systemAnswer: number;
  /** The module parameter: 'Y', 'N', or undefined when the kernel has no such parameter. */
  readonly parameter: 'Y' | 'N' | undefined;
}

/**
 * A capability number for the series: an integer above the last released capability. A number
 * KVM_CAPS names is refused (its answer means something else on every kernel); 245-249 are
 * accepted because older revisions used them, though upstream has since given them out.
 */
export function inPlaceCapabilityArg(value: unknown, where: string): number {
  const n = typeof value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number') throw invalidArgType(`${where} must be a capability number, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
  if (!Number.isInteger(n) || n <= 0 || n > 0x7fff_ffff) throw invalidArgValue(`${where} must be an integer from 1 to 2^31-1, got ${String(value)}`, 'RangeError');
  const released = KVM_CAPS.nameOf(n);
  if (released) throw invalidArgValue(`${where} ${n} is ${released}, a released capability; the in-place series never used it`, 'RangeError');
  return n;
}

/** The number to ask: the caller's option, else GMEM_INPLACE_CAP, else the latest revision's. */
export function chooseInPlaceCapability(option: unknown, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return inPlaceCapabilityArg(option, 'inPlaceCapability');
  const fromEnv = env[INPLACE_CAP_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return inPlaceCapabilityArg(fromEnv, INPLACE_CAP_ENV);
  return PROPOSED_CAPS.KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES.latest;
}

/** The parameter as sysfs shows a bool ('Y'/'N'); undefined when the file does not exist. */
export function readInPlaceParameter(path = GMEM_IN_PLACE_PARAMETER): 'Y' | 'N' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  return text === 'Y' || text === '1' ? 'Y' : 'N';
}

/**
 * Whether this kernel has the series, so that its ioctl number means KVM_SET_MEMORY_ATTRIBUTES2:
 * the capability answers at system scope, or the parameter exists (with it off, the capability
 * answers 0 but the ioctl is still the series'; the kernel answers ENOTTY itself).
 */
export function hasInPlaceSeries(s: KernelInPlace): boolean {
  return s.systemAnswer !== 0 || s.parameter !== undefined;
}

/** Upstream's name for the number, where upstream gave it to something else (docs/kernel-behaviour.md#capability-numbers). */
export function upstreamNameOf(capability: number): string | undefined {
  return UPSTREAM_CAPS_AFTER_244.nameOf(capability);
}
