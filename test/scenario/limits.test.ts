/**
 * Scenario files are untrusted data with limits: matrix size, steps, file size, bytes read, bytes
 * allocated and time. Each limit stops what used to exhaust the machine (a 429-byte matrix grew to
 * 3.5 GiB; a 16 GiB non-zero fill allocated ~300 MiB/s; a 600 MB read died with
 * ERR_STRING_TOO_LONG; `gmem run /dev/zero` read forever), with an error that names the limit and
 * how to raise it; and each can be raised (--limit, GMEM_LIMITS).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { openModel } from '../../src/open.js';
import { LIMITS, LIMIT_NAMES, allocLimitFor, configureLimits, formatLimit, memAvailable, parseLimitOverrides, scenarioLimits } from '../../src/scenario/limits.js';
import { loadScenarioFile, scenarioInstances } from '../../src/scenario/load.js';
import { ScenarioBudget } from '../../src/scenario/budget.js';
import { runInstance } from '../../src/scenario/runner.js';
import type { Step } from '../../src/scenario/types.js';
import { kernelCase } from '../backends.js';

const GiB = 2 ** 30;
const SHARED_FILE = [
  { do: 'createVm', as: 'vm' },
  { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: '2^40', flags: ['GUEST_MEMFD_FLAG_MMAP', 'GUEST_MEMFD_FLAG_INIT_SHARED'] },
  { do: 'mmap', file: 'f', as: 'm' },
];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, out, err };
}

function runOnModel(steps: unknown[]) {
  const [instance] = scenarioInstances({ name: 'limits', steps });
  const kvm = openModel('linux-6.18');
  try {
    return runInstance(kvm, instance!);
  } finally {
    kvm.close();
  }
}

afterEach(() => {
  configureLimits({});
  delete process.env.GMEM_LIMITS;
});

/** The array, counting reads of its elements: an expansion reads them once per instance. */
function countingReads(values: number[], reads: { count: number }): number[] {
  return new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.count += 1;
      return Reflect.get(target, key, receiver);
    },
  });
}

describe('scenario limits', () => {
  it('a matrix of 8 keys of 12 values (430 million instances) is refused at once, naming the limit and how to raise it', () => {
    const reads = { count: 0 };
    const matrix = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`k${k}`, countingReads(Array.from({ length: 12 }, (_, v) => v), reads)]));
    assert.throws(
      () => scenarioInstances({ name: 'bomb', matrix, steps: [{ do: 'createVm', as: 'vm' }] }),
      /the matrix expands into 429981696 instances, which exceeds the instances limit \(4096\); raise it with --limit instances=N or GMEM_LIMITS="instances=N"/,
    );
    // Validation may read each of the 96 values a few times; expanding even the first 4096
    // instances would read them tens of thousands of times.
    assert.ok(reads.count < 1000, `${reads.count} reads of matrix values before the refusal`);
  });

  it('too many steps are refused when loaded', () => {
    configureLimits({ steps: 3 });
    assert.throws(() => scenarioInstances({ name: 's', steps: Array.from({ length: 4 }, (_, i) => ({ do: 'createVm', as: `v${i}` })) }), /4 steps exceeds the steps limit \(3\)/);
  });

  it('a matrix that copies many steps many times is refused before it is expanded', () => {
    const steps = Array.from({ length: 2000 }, (_, i) => ({ do: 'checkExtension', cap: 'KVM_CAP_GUEST_MEMFD', note: String(i) }));
    const reads = { count: 0 };
    const matrix = { a: countingReads(Array.from({ length: 64 }, (_, i) => i), reads), b: countingReads(Array.from({ length: 32 }, (_, i) => i), reads) };
    assert.throws(() => scenarioInstances({ name: 'copies', matrix, steps }), /2048 instances of 8001 values each, 16386048 values, exceeds the expandedValues limit \(2000000\)/);
    assert.ok(reads.count < 1000, `${reads.count} reads of matrix values before the refusal`);
  });

  it('a non-zero fill of 16 GiB on the model is refused by the allocation limit before anything is stored', () => {
    const rss = process.memoryUsage().rss;
    const report = runOnModel([...SHARED_FILE, { do: 'hostFill', map: 'm', offset: 0, length: '2^34', byte: 7 }]);
    assert.equal(report.status, 'fail');
    assert.match(report.reason!, /step 3 \(hostFill\): allocating up to 17179869184 bytes.* exceeds the allocBytes limit \(1 GiB\); raise it with --limit allocBytes=N/);
    assert.ok(process.memoryUsage().rss - rss < 256 * 2 ** 20, 'no gigabytes were stored');
  });

  // The timeout only guards against a page-by-page walk of 2^28 pages (hours); no timing is asserted.
  it('a 1 TiB zero fill on the model allocates nothing and passes', { timeout: 120_000 }, () => {
    const rss = process.memoryUsage().rss;
    const report = runOnModel([...SHARED_FILE, { do: 'hostFill', map: 'm', offset: 0, length: '2^40', byte: 0 }]);
    assert.equal(report.status, 'pass', report.reason);
    assert.ok(process.memoryUsage().rss - rss < 256 * 2 ** 20, 'no gigabytes were stored');
  });

  it('a 600 MB read is refused by the read limit with a clear error (not ERR_STRING_TOO_LONG), and the steps after it do not run', () => {
    const report = runOnModel([...SHARED_FILE, { do: 'hostRead', map: 'm', offset: 0, length: 600_000_000 }, { do: 'unmap', map: 'm' }]);
    assert.equal(report.status, 'fail');
    assert.match(report.reason!, /step 3 \(hostRead\): reading 600000000 bytes.* exceeds the readBytes limit \(64 MiB\)/);
    assert.equal(report.steps.length, 4, 'the instance stopped at the limit');
  });

  it('reads add up across steps', () => {
    configureLimits({ readBytes: 8192 });
    const read = { do: 'hostRead', map: 'm', offset: 0, length: 4096 };
    const report = runOnModel([...SHARED_FILE, read, read, read]);
    assert.match(report.reason!, /step 5 \(hostRead\): reading 4096 bytes, after 8192 already read, exceeds the readBytes limit \(8 KiB\)/);
  });

  it('the time limit stops an instance between steps', () => {
    configureLimits({ timeMs: 1 });
    const steps = Array.from({ length: 3000 }, (_, i) => ({ do: 'checkExtension', cap: 'KVM_CAP_GUEST_MEMFD', note: String(i) }));
    const report = runOnModel(steps);
    assert.equal(report.status, 'fail');
    assert.match(report.reason!, /the instance has run \d+ ms, which exceeds the timeMs limit \(1 ms\)/);
    assert.ok(report.steps.length < 3000);
  });

  it('GMEM_LIMITS and --limit raise a limit (the command line wins), and bad values are refused with the names', () => {
    process.env.GMEM_LIMITS = 'allocBytes=32GiB, steps=20';
    assert.equal(scenarioLimits().limits.allocBytes, 32 * GiB);
    assert.equal(scenarioLimits().limits.steps, 20);
    configureLimits(parseLimitOverrides(['steps=30'], '--limit'));
    assert.equal(scenarioLimits().limits.steps, 30);
    assert.deepEqual([...scenarioLimits().explicit].sort(), ['allocBytes', 'steps']);
    assert.throws(() => parseLimitOverrides(['stepz=3'], '--limit'), /"stepz=3" is not NAME=VALUE with NAME one of instances, steps/);
    assert.throws(() => parseLimitOverrides(['steps=2MiB'], '--limit'), /not a valid steps/);
    assert.throws(() => parseLimitOverrides(['readBytes=1GiB'], '--limit'), /readBytes must be at least 1 and at most 128 MiB/);
    process.env.GMEM_LIMITS = 'steps=0';
    assert.throws(() => scenarioLimits(), /GMEM_LIMITS: steps must be at least 1/);
  });

  it('on the kernel backend the default allocation limit is at most half of MemAvailable; an explicit one is taken as given', () => {
    const { limits } = scenarioLimits();
    assert.equal(allocLimitFor('kernel', limits, new Set(), 512 * 2 ** 20), 256 * 2 ** 20);
    assert.equal(allocLimitFor('kernel', limits, new Set(), 64 * GiB), GiB);
    assert.equal(allocLimitFor('model', limits, new Set(), 512 * 2 ** 20), GiB);
    assert.equal(allocLimitFor('kernel', { ...limits, allocBytes: 8 * GiB }, new Set(['allocBytes']), 512 * 2 ** 20), 8 * GiB);
    assert.equal(memAvailable('MemTotal:       24000000 kB\nMemAvailable:   2048 kB\n'), 2048 * 1024);
    assert.ok((memAvailable() ?? 1) > 0);
  });

  describe('KVM_SET_MEMORY_ATTRIBUTES on the kernel backend: the kernel walks (and, setting, reserves) every page of the range in one call', () => {
    // A real VM handle answers the VM-scope capability the budget asks; the model's linux-7.3
    // answers as the SW_PROTECTED 7.3 kernel does (PRIVATE on SW_PROTECTED, nothing on DEFAULT).
    function charger(kernel: boolean, allocLimit = GiB) {
      const kvm = openModel('linux-7.3');
      const handles = new Map<string, unknown>([['kvm', kvm], ['sw', kvm.createVm(1)], ['default', kvm.createVm(0)]]);
      const { limits } = scenarioLimits();
      const budget = new ScenarioBudget(limits, allocLimit, kernel);
      return { charge: (step: Record<string, unknown>) => budget.charge({ kvm, handles }, { do: 'setMemoryAttributes', flags: 0, ...step } as Step), close: () => kvm.close() };
    }
    const whole = { address: 0, size: '2^64-4096' };

    it('setting or clearing 2^52 pages on a SW_PROTECTED VM is not run: it would never return and fills kernel memory (the fuzzer was OOM-killed by it)', () => {
      const c = charger(true);
      try {
        for (const attributes of [8, 0]) {
          assert.throws(() => c.charge({ vm: 'sw', ...whole, attributes }), /a range of 4503599627370495 pages, which the kernel walks page by page in one uninterruptible call, exceeds the attributePages limit \(1048576\); raise it with --limit attributePages=N/);
        }
      } finally {
        c.close();
      }
    });

    it('a call the kernel refuses before walking, or a VM that supports no attribute, costs nothing', () => {
      const c = charger(true, 1);
      try {
        c.charge({ vm: 'default', ...whole, attributes: 0 }); // No attribute can be set there, so none is cleared.
        c.charge({ vm: 'default', ...whole, attributes: 8 }); // EINVAL: PRIVATE is not supported on DEFAULT.
        c.charge({ vm: 'sw', ...whole, attributes: 8, flags: 1 }); // EINVAL: flags.
        c.charge({ vm: 'sw', ...whole, attributes: 16 }); // EINVAL: unsupported bit.
        c.charge({ vm: 'sw', address: 4096, size: '2^64-4096', attributes: 8 }); // EINVAL: wraps.
        c.charge({ vm: 'sw', address: 0, size: '2^40+1', attributes: 8 }); // EINVAL: unaligned.
        c.charge({ vm: 'sw', address: 0, size: 0, attributes: 8 }); // EINVAL: size 0.
      } finally {
        c.close();
      }
    });

    it('setting charges the xarray entries it reserves (10 bytes a page) against allocBytes; clearing reserves none', () => {
      const c = charger(true, 10 * 2 ** 20 - 1);
      try {
        c.charge({ vm: 'sw', address: 0, size: '2^32', attributes: 0 });
        assert.throws(() => c.charge({ vm: 'sw', address: 0, size: '2^32', attributes: 8 }), /allocating up to 10485760 bytes, after 0 .*exceeds the allocBytes limit/);
      } finally {
        c.close();
      }
    });

    it('the model keeps attributes as ranges and is not limited', () => {
      const c = charger(false, 1);
      try {
        c.charge({ vm: 'sw', ...whole, attributes: 8 });
      } finally {
        c.close();
      }
    });
  });

  describe('on the kernel backend', { skip: kernelCase().skip }, () => {
    it('an allocation past the limit is refused before the kernel allocates anything', () => {
      configureLimits({ allocBytes: 1 << 20 });
      const [instance] = scenarioInstances({
        name: 'k',
        steps: [
          { do: 'createVm', as: 'vm' },
          { do: 'createGuestMemfd', vm: 'vm', as: 'f', size: '2^31' },
          { do: 'allocate', file: 'f', offset: 0, len: '2^31' },
        ],
      });
      const kvm = kernelCase().open();
      try {
        const report = runInstance(kvm, instance!);
        assert.match(report.reason ?? '', /step 2 \(allocate\): allocating up to 2147483648 bytes.* exceeds the allocBytes limit \(1 MiB\)/);
      } finally {
        kvm.close();
      }
    });
  });
});

describe('scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gmem-limits-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

  it('`gmem run /dev/zero` is refused before anything is read', async () => {
    const { io, err } = capture();
    assert.equal(await main(['run', '/dev/zero', '--backend', 'model'], io), 2);
    assert.match(err.join(''), /\/dev\/zero: not a regular file/);
  });

  it('a file larger than the fileBytes limit is refused, and --limit raises it', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ name: 'big', steps: [{ do: 'createVm', as: 'vm' }] }));
    truncateSync(big, 5 * 2 ** 20); // Trailing NULs: refused for its size before JSON sees them.
    assert.throws(() => loadScenarioFile(big), /big\.json: 5242880 bytes exceeds the fileBytes limit \(4 MiB\); raise it with --limit fileBytes=N/);
    const { io, err } = capture();
    assert.equal(await main(['run', big, '--backend', 'model', '--limit', 'fileBytes=6MiB'], io), 2);
    assert.match(err.join(''), /Unexpected token|JSON/, 'read (and then refused as JSON) once the limit was raised');
  });

  it('the command line refuses a malformed --limit', async () => {
    const { io, err } = capture();
    assert.equal(await main(['run', 'x.json', '--limit', 'steps'], io), 2);
    assert.match(err.join(''), /--limit: "steps" is not NAME=VALUE/);
  });

  it('docs/scenarios.md documents every limit with its default', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/scenarios.md', import.meta.url)), 'utf8');
    for (const name of LIMIT_NAMES) assert.match(doc, new RegExp(`\\| \`${name}\` \\| ${formatLimit(name, LIMITS[name].default).replace(/ /g, '\\s')} \\|`), name);
  });
});
