/**
 * Which expectation a step has on a given release: `expectBy[release]` where the step names that
 * release, else `expect`. An answer that changed between releases is written once, with the
 * releases that answer differently; the release is the profile's (releases.ts), so proposals
 * built on 6.18 are judged as 6.18.
 */
import type { Expectation, Step } from './types.js';

export function expectationFor(step: Step, release: string | undefined): Expectation | undefined {
  return (release !== undefined ? step.expectBy?.[release] : undefined) ?? step.expect;
}
