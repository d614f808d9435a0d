/** Differences between the model (upstream behaviour) and this host's kernel, each explained. */
export interface KnownDivergence {
  sequence: string;
  step: string;
  why: string;
}

export const KNOWN_DIVERGENCES: KnownDivergence[] = [];
