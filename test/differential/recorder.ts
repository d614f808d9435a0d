/**
 * Recording what each step of an operation sequence produced, in a form two backends can be
 * compared on: values (bigints as strings, bytes as hex), errors by code (with the SIGBUS offsets),
 * never descriptor numbers, addresses or inode numbers, which legitimately differ.
 */
import { KvmError } from '../../src/errors.js';

export type Outcome = { ok: unknown } | { error: string; mappingOffset?: string; fileOffset?: string };

export interface Step {
  label: string;
  outcome: Outcome;
  /** The known divergence (catalog/divergences.json) this step shows on this host's kernel. */
  divergence?: string;
}

function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value ?? null;
}

export class Recorder {
  readonly steps: Step[] = [];

  /** Run `fn`, record its value or its error; returns the value (undefined on error). */
  step<T>(label: string, fn: () => T, divergence?: string): T | undefined {
    const mark = divergence ? { divergence } : {};
    try {
      const value = fn();
      // Handles and void results record as "ok": their identity is not comparable.
      const isHandle = typeof value === 'object' && value !== null && ('close' in value || 'unmap' in value);
      const recorded = value === undefined || isHandle ? true : normalize(value);
      this.steps.push({ label, outcome: { ok: recorded }, ...mark });
      return value;
    } catch (err) {
      if (!(err instanceof KvmError)) throw err;
      const outcome: Outcome = { error: err.code };
      if (err.mappingOffset !== undefined) outcome.mappingOffset = `${err.mappingOffset}`;
      if (err.fileOffset !== undefined) outcome.fileOffset = `${err.fileOffset}`;
      this.steps.push({ label, outcome, ...mark });
      return undefined;
    }
  }
}
