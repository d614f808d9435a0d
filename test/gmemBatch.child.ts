/**
 * Several gmem command lines in one process, for tests that would otherwise start one node per
 * command line: each runs as bin/gmem.js runs it (main() with its output captured and its exit
 * status returned), under its own extra environment variables, one after the other. Prints one
 * JSON line, the results in order. An exception main() lets escape is not caught: it ends this
 * process with its stack, as it would end gmem, and the test sees the failure.
 * argv[2]: a JSON array of { args: string[], env?: Record<string, string> }.
 */
import { main } from '../src/cli/main.js';

interface BatchCase {
  args: string[];
  env?: Record<string, string>;
}

const cases = JSON.parse(process.argv[2] ?? '[]') as BatchCase[];
const results: { status: number; stdout: string; stderr: string }[] = [];
for (const c of cases) {
  const saved = Object.fromEntries(Object.keys(c.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, c.env);
  let stdout = '';
  let stderr = '';
  const status = await main(c.args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  results.push({ status, stdout, stderr });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
