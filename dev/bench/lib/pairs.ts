// Two contenders measured in turns, compared pair by pair. The machine's speed moves between rounds by a third at
// times (docs/benchmark-journal.md): rounds run next to each other saw about the same machine, so a pair's ratio or
// difference leaves that out, and the pairs' scatter says how far their mean may be from what more pairs would read.
import { round } from './report';

/** The mean of per-pair figures, its standard error and the half-width of its 95% interval; both null with one pair. */
export interface PairsEstimate {
  mean: number;
  standardError: number | null;
  /** Student's t for the pairs less one, times the standard error: wide when few pairs vouch for the mean. */
  halfWidth95: number | null;
  pairs: number;
}

/** Student's t that leaves 2.5% in each tail, by degrees of freedom (1 to 20), then at 25, 30, 40, 60 and 120. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
const T_975_MORE: readonly [number, number][] = [
  [25, 2.06],
  [30, 2.042],
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
];

/** For degrees of freedom between the table's rows, the row below: the wider interval. */
export function tQuantile975(degreesOfFreedom: number): number {
  if (degreesOfFreedom < 1) throw new RangeError(`degrees of freedom must be 1 or more: ${degreesOfFreedom}`);
  if (degreesOfFreedom <= T_975.length) return T_975[degreesOfFreedom - 1]!;
  let t = T_975[T_975.length - 1]!;
  for (const [df, value] of T_975_MORE) if (degreesOfFreedom >= df) t = value;
  return t;
}

/** Summarises per-pair figures (a ratio or a difference each); pairs that could not be measured (not finite) are left out. */
export function estimateOfPairs(figures: readonly (number | null)[]): PairsEstimate | null {
  const xs = figures.filter((x): x is number => x !== null && Number.isFinite(x));
  if (xs.length === 0) return null;
  const mean = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  if (xs.length < 2) return { mean, standardError: null, halfWidth95: null, pairs: 1 };
  const variance = xs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (xs.length - 1);
  const standardError = Math.sqrt(variance / xs.length);
  return { mean, standardError, halfWidth95: tQuantile975(xs.length - 1) * standardError, pairs: xs.length };
}

/** `a[i] ÷ b[i]` or `a[i] − b[i]` for each pair both have. */
export function perPair(a: readonly (number | null)[], b: readonly (number | null)[], combine: (a: number, b: number) => number): (number | null)[] {
  return a.slice(0, b.length).map((x, i) => (x === null || b[i] === null || b[i] === undefined ? null : combine(x, b[i])));
}

/** "0.873 ± 0.056 (95%, 10 pairs)", or the mean alone when there is no interval to give; `unit` follows the figures. */
export function formatEstimate(estimate: PairsEstimate | null, digits: number, unit = ''): string {
  if (!estimate) return 'n/a';
  const { mean, halfWidth95, pairs } = estimate;
  if (halfWidth95 === null) return `${mean.toFixed(digits)}${unit}`;
  return `${mean.toFixed(digits)} ± ${halfWidth95.toFixed(digits)}${unit} (95%, ${pairs} pairs)`;
}

/** The estimate with its mean and errors rounded, for the results file. */
export function roundedEstimate(estimate: PairsEstimate | null, digits = 2): PairsEstimate | null {
  if (!estimate) return null;
  const { mean, standardError, halfWidth95, pairs } = estimate;
  const to = (x: number | null) => (x === null ? null : round(x, digits));
  // The mean of finite figures is finite, so `round` has a number for it.
  return { mean: round(mean, digits)!, standardError: to(standardError), halfWidth95: to(halfWidth95), pairs };
}
