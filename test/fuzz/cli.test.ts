/**
 * The fuzzer's command line (issue #15): help, usage errors with exit 2 and no stack trace, the
 * deadline kept inside a long sequence, no silent pass without a kernel, findings written to a
 * directory of the caller's choosing, and the coverage and throughput it reports. Most cases call
 * the command in-process (one node start per case cost more than most of them); a real child
 * process checks what only the process shows (its exit status, nothing thrown past main) and
 * the cases that need another GMEM_KVM_DEVICE, which is read when the kernel module loads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/fuzz/command.js';

const MAIN = new URL('../../src/fuzz/main.js', import.meta.url).pathname;

/** The command run in-process: its exit status and what it wrote. */
function fuzzIn(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

/** The command as `npm run fuzz` runs it: a node process. */
function fuzzCli(args: string[], env: Record<string, string> = {}) {
  // The timeout only guards against a hang; no assertion reads the time.
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fuzz command line', () => {
  it('--help prints the usage and exits 0', () => {
    const r = fuzzIn(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: npm run fuzz/);
    assert.match(r.stdout, /--model-only/);
  });

  for (const args of [['--bogus'], ['--seconds', '-5'], ['--seconds', 'abc'], ['--seconds', '0'], ['--max-length', 'abc'], ['--max-length', '99999999'], ['--seed', '1.5'], ['--sequences', '0'], ['--profile', 'linux-9.9'], ['extra']]) {
    it(`${args.join(' ')} is a usage error (exit 2, no stack trace)`, () => {
      const r = fuzzIn([...args, '--model-only']);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^fuzz: [^]+?\n\nusage:/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  it('the process exits 2 on a usage error, with the usage and no stack trace', () => {
    const r = fuzzCli(['--seconds', 'abc', '--model-only']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^fuzz: --seconds must be a number [^]+?\n\nusage:/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, '');
  });

  it('--differential without a kernel exits 2 and says why', () => {
    const r = fuzzCli(['--differential', '--seconds', '1'], { GMEM_KVM_DEVICE: '/nonexistent/kvm' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /nothing to compare/);
  });

  it('without a kernel it checks the model alone, and says so', () => {
    const out = mkdtempSync(join(tmpdir(), 'gmem-fuzz-test-'));
    try {
      const r = fuzzCli(['--seed', '1', '--sequences', '20', '--out', out], { GMEM_KVM_DEVICE: '/nonexistent/kvm' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /checking the model alone against its invariants/);
      assert.match(r.stdout, /throughput: \d+ operations\/s overall; model [\d.]+ s/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a huge --max-length still stops at the deadline, inside the sequence', () => {
    // Not a wall-clock bound: the report says where the run stopped. With a 10 ms deadline the
    // generator must stop making steps (a whole 100,000-step sequence is refused by the
    // scenario step limit and would run nothing), and the run must stop inside the one
    // sequence it was allowed (else it runs every step it was given and is not cut short).
    const r = fuzzIn(['--model-only', '--seed', '1', '--sequences', '1', '--seconds', '0.01', '--max-length', '100000', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { sequences: number; operations: number; cutShort: boolean };
    assert.equal(report.sequences, 1);
    assert.ok(report.cutShort, `the sequence was not cut short at the deadline: ${report.operations} operations ran`);
  });

  it('--profile takes the names conform takes, aliases included', () => {
    const r = fuzzIn(['--model-only', '--seed', '1', '--sequences', '5', '--json', '--profile', 'inplace']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { profile: string }).profile, 'inplace-v13');
  });

  it('--json reports coverage per rule and throughput', () => {
    // A fixed amount of work (seed and sequences), not a time: the same run on any machine.
    const r = fuzzIn(['--model-only', '--seed', '1', '--sequences', '300', '--seconds', '600', '--json', '--profile', 'inplace-v13']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      mode: string;
      coverage: { profile: string; rules: number; hit: number; reachable: number; counts: Record<string, number>; unreachable: { id: string; why: string }[] };
      throughput: { operationsPerSecond: number };
    };
    assert.equal(report.mode, 'model-only');
    assert.equal(report.coverage.profile, 'inplace-v13');
    assert.ok(report.coverage.hit > report.coverage.rules / 2, `only ${report.coverage.hit} of ${report.coverage.rules} rules in 300 sequences`);
    assert.ok(report.coverage.counts['conversion.pinned']! > 0, 'the targeted pin generator reached EAGAIN');
    assert.ok(report.throughput.operationsPerSecond > 0);
    // The rules no run can reach are data: each with its reason, counted in all rules only.
    assert.ok(report.coverage.unreachable.some((u) => u.id === 'conversion.injected' && /tests/.test(u.why)));
    assert.equal(report.coverage.reachable, report.coverage.rules - report.coverage.unreachable.length);
  });
});
