// Two contenders measured in turns, compared pair by pair. The machine's speed moves between rounds by a third at
// times (docs/benchmarks.md): rounds run next to each other saw about the same machine, so a pair's ratio or
// difference leaves that out, and the pairs' scatter says how far their mean may be from what more pairs would read.

/** The mean of per-pair figures and its standard error; the error is null with fewer than two pairs. */
export interface PairsEstimate {
  mean: number;
  standardError: number | null;
  pairs: number;
}

/** Summarises per-pair figures (a ratio or a difference each); pairs that could not be measured (not finite) are left out. */
export function estimateOfPairs(figures: readonly (number | null)[]): PairsEstimate | null {
  const xs = figures.filter((x): x is number => x !== null && Number.isFinite(x));
  if (xs.length === 0) return null;
  const mean = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  if (xs.length < 2) return { mean, standardError: null, pairs: 1 };
  const variance = xs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, standardError: Math.sqrt(variance / xs.length), pairs: xs.length };
}

/** `a[i] ÷ b[i]` or `a[i] − b[i]` for each pair both have. */
export function perPair(a: readonly (number | null)[], b: readonly (number | null)[], combine: (a: number, b: number) => number): (number | null)[] {
  return a.slice(0, b.length).map((x, i) => (x === null || b[i] === null || b[i] === undefined ? null : combine(x, b[i])));
}

/** "0.873 ± 0.025" (the mean ± its standard error), or the mean alone when there is no error to give. */
export function formatEstimate(estimate: PairsEstimate | null, digits: number): string {
  if (!estimate) return 'n/a';
  const { mean, standardError } = estimate;
  return standardError === null ? mean.toFixed(digits) : `${mean.toFixed(digits)} ± ${standardError.toFixed(digits)}`;
}

/** The estimate with its mean and error rounded, for the results file. */
export function roundedEstimate(estimate: PairsEstimate | null, digits = 2): PairsEstimate | null {
  if (!estimate) return null;
  const to = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return { mean: to(estimate.mean), standardError: estimate.standardError === null ? null : to(estimate.standardError), pairs: estimate.pairs };
}
