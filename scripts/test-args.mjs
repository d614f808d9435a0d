// How scripts/test.mjs reads its command line and picks a reporter (kept apart so a test can check it).

/**
 * A person at a terminal gets the spec reporter (a readable tree and summary); anything else
 * (CI, a pipe, a file) gets TAP, whose closing "# pass N" / "# fail N" lines CI reads.
 * GMEM_TEST_REPORTER names another of node:test's reporters.
 */
export function reporterFor(isTTY, env) {
  return env.GMEM_TEST_REPORTER || (isTTY ? 'spec' : 'tap');
}

/** Arguments ending in .js are the test files to run (default: all); the rest are node flags. */
export function splitArgs(args, all) {
  const files = args.filter((a) => a.endsWith('.js'));
  const flags = args.filter((a) => !a.endsWith('.js'));
  return { files: files.length ? files : all, flags };
}

/**
 * How many test files run at once. Node 20's default is os.availableParallelism() - 1, which is 1
 * on a 2-core machine: every file waited for the one before, although many spend their time
 * waiting (child processes, a browser, servers). Measured on this 2-core machine (the whole suite,
 * alternated): 2 at once took 19% less wall time for the same CPU time. At least 2, else Node's
 * default; a --test-concurrency among the flags wins.
 */
export function concurrencyFlags(flags, parallelism) {
  if (flags.some((f) => f.startsWith('--test-concurrency'))) return [];
  return [`--test-concurrency=${Math.max(2, parallelism - 1)}`];
}
