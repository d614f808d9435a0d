/** Assertions shared by the tests. */
import assert from 'node:assert/strict';
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
