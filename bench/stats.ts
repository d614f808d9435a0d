/** The median of a benchmark's samples: the figure every bench here quotes. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
