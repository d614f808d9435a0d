/** Normalizing what a step produced, and matching it against what the step expects. */
import { KvmError, UnsupportedError } from '../errors.js';
import type { Expectation, Outcome } from './types.js';
import { hexBytes, u64Value } from './values.js';
import { MPOL_MODE_FLAG_BITS } from '../uapi/mempolicy.js';

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    if ('close' in value || 'unmap' in value || 'release' in value) return true; // A handle: its identity is not comparable.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value ?? true;
}

/** The outcome of a value a step returned (a guest access that exited is an exit outcome). */
export function okOutcome(value: unknown): Outcome {
  if (value && typeof value === 'object' && 'ok' in value && typeof (value as { ok: unknown }).ok === 'boolean') {
    const r = value as { ok: boolean; value?: unknown; exit?: Record<string, unknown> };
    if (r.ok) return { ok: plain(r.value) };
    const e = r.exit!;
    const out: Outcome = { exit: String(e.reason) };
    if (e.gpa !== undefined) out.gpa = String(e.gpa);
    if (e.flags !== undefined) out.flags = String(e.flags);
    if (e.isWrite !== undefined) out.isWrite = Boolean(e.isWrite);
    if (e.length !== undefined) out.length = Number(e.length);
    return out;
  }
  return { ok: plain(value) };
}


/** The outcome of an error a step threw; a caller error (TypeError...) is rethrown. */
export function errorOutcome(err: unknown): { outcome: Outcome; detail: string } {
  if (err instanceof KvmError) {
    const outcome: Outcome =
      err.code === 'SIGBUS' || err.code === 'SIGSEGV'
        ? { signal: err.code, ...(err.mappingOffset !== undefined ? { mappingOffset: String(err.mappingOffset) } : {}), ...(err.fileOffset !== undefined ? { fileOffset: String(err.fileOffset) } : {}) }
        : // The API carries errorOffset only where the kernel copies it back (EAGAIN, ENOMEM).
          { errno: err.code, ...(err.errorOffset !== undefined ? { errorOffset: String(err.errorOffset) } : {}) };
    return { outcome, detail: err.reason ?? '' };
  }
  if (err instanceof UnsupportedError) return { outcome: { unsupported: err.operation }, detail: err.message };
  throw err;
}

/** A readable form of an outcome, for reports. */
export function describeOutcome(o: Outcome): string {
  if ('ok' in o) return o.ok === true ? 'ok' : `ok ${typeof o.ok === 'string' && o.ok.length > 32 ? `${o.ok.slice(0, 32)}...` : JSON.stringify(o.ok)}`;
  if ('errno' in o) return o.errorOffset !== undefined ? `${o.errno} (error_offset ${o.errorOffset})` : o.errno;
  if ('signal' in o) return o.mappingOffset !== undefined ? `${o.signal} at mapping offset ${o.mappingOffset}` : o.signal;
  if ('exit' in o) return `${o.exit}${o.gpa !== undefined ? ` gpa 0x${BigInt(o.gpa).toString(16)}` : ''}${o.isWrite ? ' (write)' : ''}`;
  if ('unsupported' in o) return `unsupported (${o.unsupported})`;
  return `not run (${o.notRun})`;
}

export function describeExpectation(e: Expectation | undefined): string {
  if (e === undefined || e === 'ok') return 'ok';
  if (e === 'any') return 'any answer (compared between backends)';
  return Object.entries(e).map(([k, v]) => (k === 'errno' || k === 'signal' || k === 'exit' ? String(v) : `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)).join(', ');
}

/** Does the outcome meet the expectation? Returns the mismatch in words, or undefined. */
export function mismatch(expect: Expectation | undefined, o: Outcome): string | undefined {
  const want = describeExpectation(expect);
  const got = describeOutcome(o);
  const fail = () => `expected ${want}, got ${got}`;
  if (expect === 'any') return undefined;
  if (expect === undefined || expect === 'ok') return 'ok' in o ? undefined : fail();
  const big = (v: unknown, where: string) => u64Value(v, where);
  if (expect.unsupported) return 'unsupported' in o ? undefined : fail();
  if (expect.errno !== undefined) {
    if (!('errno' in o) || o.errno !== expect.errno) return fail();
    if (expect.errorOffset !== undefined && (o.errorOffset === undefined || BigInt(o.errorOffset) !== big(expect.errorOffset, 'errorOffset'))) return fail();
    return undefined;
  }
  if (expect.signal !== undefined) {
    if (!('signal' in o) || o.signal !== expect.signal) return fail();
    if (expect.mappingOffset !== undefined && (o.mappingOffset === undefined || BigInt(o.mappingOffset) !== big(expect.mappingOffset, 'mappingOffset'))) return fail();
    if (expect.fileOffset !== undefined && (o.fileOffset === undefined || BigInt(o.fileOffset) !== big(expect.fileOffset, 'fileOffset'))) return fail();
    return undefined;
  }
  if (expect.exit !== undefined) {
    if (!('exit' in o) || o.exit !== expect.exit) return fail();
    if (expect.gpa !== undefined && (o.gpa === undefined || BigInt(o.gpa) !== big(expect.gpa, 'gpa'))) return fail();
    if (expect.isWrite !== undefined && o.isWrite !== expect.isWrite) return fail();
    if (expect.exitFlags !== undefined && (o.flags === undefined || BigInt(o.flags) !== big(expect.exitFlags, 'exitFlags'))) return fail();
    return undefined;
  }
  if (!('ok' in o)) return fail();
  const value = o.ok;
  if (expect.value !== undefined && (typeof value !== 'number' && typeof value !== 'string' ? true : BigInt(value) !== big(expect.value, 'value'))) return fail();
  if (expect.bytes !== undefined && value !== Buffer.from(hexBytes(expect.bytes, 'bytes')).toString('hex')) return fail();
  if (expect.allBytes !== undefined) {
    const hex = typeof value === 'string' ? value : '';
    const byte = expect.allBytes.toString(16).padStart(2, '0');
    if (hex.length === 0 || hex !== byte.repeat(hex.length / 2)) return fail();
  }
  if (expect.policy !== undefined) {
    const got = policyText(value);
    if (got !== expect.policy) return `expected policy ${expect.policy}, got ${got}`;
  }
  if (expect.stat !== undefined) {
    const st = value as Record<string, unknown>;
    for (const [field, v] of Object.entries(expect.stat)) {
      if (st?.[field] === undefined || BigInt(st[field] as string | number) !== big(v, `stat.${field}`)) return `expected stat.${field} = ${String(v)}, got ${String(st?.[field])}`;
    }
  }
  return undefined;
}

/** A getMempolicy result as expect.policy writes it: "MPOL_BIND nodes=0", "MPOL_PREFERRED|MPOL_F_STATIC_NODES nodes=0,5". */
function policyText(value: unknown): string {
  const p = value as { mode?: unknown; name?: unknown; modeFlags?: unknown; nodes?: unknown } | undefined;
  if (!p || typeof p.mode !== 'number' || typeof p.modeFlags !== 'number' || !Array.isArray(p.nodes)) return `(not a policy: ${JSON.stringify(value)})`;
  const flagNames = MPOL_MODE_FLAG_BITS.entries().filter(([, v]) => (p.modeFlags as number) & v).map(([n]) => n);
  const head = [typeof p.name === 'string' ? p.name : String(p.mode), ...flagNames].join('|');
  return p.nodes.length ? `${head} nodes=${p.nodes.join(',')}` : head;
}
