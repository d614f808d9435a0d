/**
 * Property test of in-place conversion: random sequences of conversions, punches, allocations,
 * pins and releases, host touches and guest accesses run on the model and on a naive per-page
 * reference written from docs/kernel-behaviour.md#in-place-conversion alone; every result, errno and errorOffset must agree.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { AccessKind, Pin } from '../../src/api.js';
import { KvmError } from '../../src/errors.js';
import { KVM_MEMORY_ATTRIBUTE_PRIVATE } from '../../src/uapi/flags.js';
import { GPA_BASE, P, conversionWorld } from './conversionFixtures.js';

const PAGES = 6;

/** How often each kind of outcome happened over all runs: the test must exercise every rule. */
const seen = new Map<string, number>();
const count = (o: Outcome) => {
  const key = 'ok' in o ? 'ok' : 'error' in o ? o.error : o.exit;
  seen.set(key, (seen.get(key) ?? 0) + 1);
};

type Op =
  | { op: 'convert'; offset: number; size: number; attributes: number; reserved: boolean }
  | { op: 'punch'; offset: number; size: number }
  | { op: 'allocate'; offset: number; size: number }
  | { op: 'pin'; page: number; count: number }
  | { op: 'release'; which: number }
  | { op: 'hostRead'; page: number }
  | { op: 'hostWrite'; page: number; value: number }
  | { op: 'guestRead'; page: number; kind?: AccessKind }
  | { op: 'guestWrite'; page: number; value: number; kind?: AccessKind };

/** Offsets and sizes in bytes: mostly whole pages inside the file, sometimes off by one, empty, or past the end. */
const span = fc
  .tuple(fc.integer({ min: 0, max: PAGES - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 19 }))
  .map(([page, count, skew]) => ({
    offset: page * P + (skew === 0 ? 1 : 0) + (skew === 2 ? PAGES * P : 0),
    size: skew === 3 ? 0 : Math.min(count, PAGES - page + (skew === 4 ? 1 : 0)) * P + (skew === 1 ? 1 : 0),
  }));
const page = fc.integer({ min: 0, max: PAGES - 1 });
const kind = fc.option(fc.constantFrom<AccessKind>('private', 'shared'), { nil: undefined });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('convert' as const), attributes: fc.constantFrom(0, 8, 8, 16), reserved: fc.boolean().map((b) => b && Math.random() < 0.1) }).chain((c) => span.map((s) => ({ ...c, ...s }))) },
  { weight: 1, arbitrary: span.map((s) => ({ op: 'punch' as const, ...s })) },
  { weight: 1, arbitrary: span.map((s) => ({ op: 'allocate' as const, ...s })) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pin' as const), page, count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), which: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('hostRead' as const), page }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('hostWrite' as const), page, value: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('guestRead' as const), page, kind }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('guestWrite' as const), page, value: fc.integer({ min: 1, max: 255 }), kind }) },
);

type Outcome = { ok: unknown } | { error: string; errorOffset?: string } | { exit: string; flags: string; gpa: string };

/** The reference: one value per page for the attribute, the data (a page is filled with one byte), and pin counts. */
class Reference {
  private?: boolean[];
  readonly priv = new Array<boolean>(PAGES).fill(false);
  readonly data = new Array<number>(PAGES).fill(0);
  readonly pinCount = new Array<number>(PAGES).fill(0);
  readonly pins: { pages: Set<number>; live: boolean }[] = [];

  constructor(readonly keepsContents: boolean) {}

  private range(offset: number, size: number): [number, number] | 'EINVAL' {
    if (size === 0 || offset % P || size % P || offset >= PAGES * P || offset + size > PAGES * P) return 'EINVAL';
    return [offset / P, (offset + size) / P];
  }

  apply(o: Op): Outcome {
    switch (o.op) {
      case 'convert': {
        if (o.reserved) return { error: 'EINVAL' };
        if (o.attributes & ~8) return { error: 'EINVAL' };
        const r = this.range(o.offset, o.size);
        if (r === 'EINVAL') return { error: 'EINVAL' };
        const toPrivate = o.attributes !== 0;
        let changes = false;
        for (let p = r[0]; p < r[1]; p++) if (this.priv[p] !== toPrivate) changes = true;
        if (!changes) return { ok: true };
        if (toPrivate) for (let p = r[0]; p < r[1]; p++) if (this.pinCount[p]! > 0) return { error: 'EAGAIN', errorOffset: String(p * P) };
        for (let p = r[0]; p < r[1]; p++) {
          if (this.priv[p] !== toPrivate && !this.keepsContents) this.data[p] = 0;
          this.priv[p] = toPrivate;
        }
        return { ok: true };
      }
      case 'punch':
      case 'allocate': {
        if (o.size === 0 || o.offset % P || o.size % P) return { error: 'EINVAL' };
        const start = o.offset / P;
        const end = Math.min(PAGES, (o.offset + o.size) / P);
        if (o.op === 'allocate') return o.offset + o.size > PAGES * P ? { error: 'EINVAL' } : { ok: true };
        for (let p = start; p < end; p++) {
          this.data[p] = 0;
          for (const pin of this.pins) if (pin.live && pin.pages.delete(p)) this.pinCount[p]!--;
        }
        return { ok: true };
      }
      case 'pin': {
        if (o.page + o.count > PAGES) return { error: 'EINVAL' };
        for (let p = o.page; p < o.page + o.count; p++) if (this.priv[p]) return { error: 'EFAULT' };
        const pages = new Set<number>();
        for (let p = o.page; p < o.page + o.count; p++) (pages.add(p), this.pinCount[p]!++);
        this.pins.push({ pages, live: true });
        return { ok: true };
      }
      case 'release': {
        const pin = this.pins[o.which];
        if (pin?.live) {
          pin.live = false;
          for (const p of pin.pages) this.pinCount[p]!--;
        }
        return { ok: true };
      }
      case 'hostRead':
        return this.priv[o.page] ? { error: 'SIGBUS' } : { ok: this.data[o.page] };
      case 'hostWrite':
        if (this.priv[o.page]) return { error: 'SIGBUS' };
        this.data[o.page] = o.value;
        return { ok: true };
      case 'guestRead':
      case 'guestWrite': {
        const isPrivate = o.kind === undefined ? this.priv[o.page]! : o.kind === 'private';
        if (isPrivate !== this.priv[o.page]) return { exit: 'KVM_EXIT_MEMORY_FAULT', flags: isPrivate ? '8' : '0', gpa: String(GPA_BASE + BigInt(o.page * P)) };
        if (o.op === 'guestRead') return { ok: this.data[o.page] };
        this.data[o.page] = o.value;
        return { ok: true };
      }
    }
  }
}

function runModel(w: ReturnType<typeof conversionWorld>, pins: Pin[], o: Op): Outcome {
  try {
    switch (o.op) {
      case 'convert':
        w.file.conversion!.setMemoryAttributes2({ offset: o.offset, size: o.size, attributes: o.attributes, ...(o.reserved ? { reserved: [1] } : {}) });
        return { ok: true };
      case 'punch':
        w.file.punchHole(o.offset, o.size);
        return { ok: true };
      case 'allocate':
        w.file.allocate(o.offset, o.size);
        return { ok: true };
      case 'pin':
        pins.push(w.file.pins!.pin(o.page * P, o.count * P));
        return { ok: true };
      case 'release':
        pins[o.which]?.release();
        return { ok: true };
      case 'hostRead':
        return { ok: w.hostRead(o.page) };
      case 'hostWrite':
        w.hostWrite(o.page, o.value);
        return { ok: true };
      case 'guestRead':
      case 'guestWrite': {
        const r = o.op === 'guestRead' ? w.guestRead(o.page, o.kind) : w.guestWrite(o.page, o.value, o.kind);
        if (!r.ok) {
          assert.equal(r.exit.reason, 'KVM_EXIT_MEMORY_FAULT');
          return r.exit.reason === 'KVM_EXIT_MEMORY_FAULT' ? { exit: r.exit.reason, flags: String(r.exit.flags), gpa: String(r.exit.gpa) } : { exit: 'other', flags: '', gpa: '' };
        }
        if (o.op === 'guestWrite') return { ok: true };
        const bytes = r.value as Uint8Array;
        assert.ok(bytes.every((b) => b === bytes[0]), 'a page holds one value');
        return { ok: bytes[0] };
      }
    }
  } catch (err) {
    if (!(err instanceof KvmError)) throw err;
    return err.errorOffset === undefined ? { error: err.code } : { error: err.code, errorOffset: String(err.errorOffset) };
  }
}

for (const type of ['KVM_X86_SW_PROTECTED_VM', 'KVM_X86_SNP_VM'] as const) {
  it(`conversion state machine (${type}) agrees with a per-page reference`, () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(opArb, { minLength: 10, maxLength: 60 }), (shared, ops) => {
        using w = conversionWorld({ pages: PAGES, shared, type });
        const ref = new Reference(type === 'KVM_X86_SW_PROTECTED_VM');
        ref.priv.fill(!shared);
        const pins: Pin[] = [];
        ops.forEach((o, i) => {
          const model = runModel(w, pins, o);
          const expected = ref.apply(o);
          assert.deepEqual(model, expected, `step ${i}: ${JSON.stringify(o)}`);
          count(expected);
        });
        const attrs = [...w.inode.attributes.ranges()].flatMap((r) => Array<boolean>(r.end - r.start).fill(r.value === Number(KVM_MEMORY_ATTRIBUTE_PRIVATE)));
        assert.deepEqual(attrs, ref.priv, 'final attributes');
        w.inode.attributes.checkInvariants();
        for (const pin of pins) pin.release();
        assert.equal(w.inode.pins.firstPinned(0, PAGES), -1, 'every pin released');
      }),
      { numRuns: 300 },
    );
    for (const kind of ['ok', 'EINVAL', 'EAGAIN', 'EFAULT', 'SIGBUS', 'KVM_EXIT_MEMORY_FAULT']) {
      assert.ok((seen.get(kind) ?? 0) >= 20, `outcome ${kind} happened only ${seen.get(kind) ?? 0} times: the generator misses a rule`);
    }
    seen.clear();
  });
}
