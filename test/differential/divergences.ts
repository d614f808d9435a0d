/** The differential test's view of the known divergences (the list lives in src/conformance/divergences.ts). */
import { KNOWN_DIVERGENCES as ALL } from '../../src/conformance/divergences.js';

export interface KnownDivergence {
  name: string;
  sequence: string;
  step: string;
  why: string;
}

export const KNOWN_DIVERGENCES: KnownDivergence[] = ALL.flatMap((d) => d.differential.map((w) => ({ name: d.name, why: d.why, ...w })));
