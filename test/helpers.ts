/** Assertions shared by the tests. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KvmError, type KvmErrorCode } from '../src/errors.js';

/** `fn` must fail with a KvmError of this code (an errno name, or 'SIGBUS'). Returns the error. */
export function expectCode(fn: () => unknown, code: KvmErrorCode, message?: string): KvmError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${message ?? 'call'}: expected ${code}, but it succeeded`);
  assert.ok(caught instanceof KvmError, `${message ?? 'call'}: expected KvmError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `${message ?? 'call'}: expected ${code}, got ${caught.code} (${caught.message})`);
  return caught;
}

/** Every byte of `bytes` equals `value`. Reports the first that does not. */
export function assertAllBytes(bytes: Uint8Array, value: number, what: string): void {
  const i = bytes.findIndex((b) => b !== value);
  assert.equal(i, -1, `${what}: byte ${i} is 0x${(bytes[i] ?? 0).toString(16)}, expected 0x${value.toString(16)}`);
}

/** Run the gmem command in-process, capturing what it writes and its exit status. */
export async function runGmem(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/**
 * Run several gmem command lines in one child process (test/gmemBatch.child.ts), each with its own
 * extra environment, under `env` for the child as a whole (read once at load, like
 * GMEM_KVM_DEVICE). One node start instead of one per command line; a crash fails the test.
 */
export function runGmemBatch(cases: { args: string[]; env?: Record<string, string> }[], env: NodeJS.ProcessEnv = process.env): { status: number; stdout: string; stderr: string }[] {
  const child = fileURLToPath(new URL('./gmemBatch.child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child, JSON.stringify(cases)], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 0, `the batch of gmem command lines failed (signal ${r.signal}): ${r.stderr}`);
  const results = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: number; stdout: string; stderr: string }[];
  assert.equal(results.length, cases.length);
  return results;
}
