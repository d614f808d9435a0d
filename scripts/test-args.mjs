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
