// Rounds compared pair by pair: what the benchmarks report beside a pooled ratio, so that a reader can tell
// whether a figure stands out from the rounds' scatter.
import { describe, expect, it } from 'vitest';
import { estimateOfPairs, formatEstimate, perPair } from '../../../dev/bench/lib/pairs';

describe('estimateOfPairs', () => {
  it('gives the mean of the pairs and its standard error (sample deviation over the square root of the pairs)', () => {
    const estimate = estimateOfPairs([0.8, 0.9, 1.0, 0.9]);
    expect(estimate?.mean).toBeCloseTo(0.9, 10);
    // Deviations -0.1, 0, 0.1, 0: variance 0.02 / 3, standard error sqrt(0.02 / 3 / 4).
    expect(estimate?.standardError).toBeCloseTo(Math.sqrt(0.02 / 12), 10);
    expect(estimate?.pairs).toBe(4);
  });

  it('leaves out pairs that could not be measured, and gives no error for a single pair', () => {
    expect(estimateOfPairs([null, Number.NaN, 0.7, Number.POSITIVE_INFINITY])).toEqual({ mean: 0.7, standardError: null, pairs: 1 });
    expect(estimateOfPairs([null])).toBeNull();
  });

  it('shrinks its error as the pairs agree: the same mean, less scatter', () => {
    const scattered = estimateOfPairs([0.7, 1.1, 0.7, 1.1])!;
    const close = estimateOfPairs([0.89, 0.91, 0.89, 0.91])!;
    expect(scattered.mean).toBeCloseTo(close.mean, 10);
    expect(close.standardError!).toBeLessThan(scattered.standardError! / 10);
  });
});

describe('perPair', () => {
  it('combines the rounds of the same index, and only those both sides have', () => {
    expect(perPair([30, 20, null, 10], [40, 25, 30], (a, b) => a / b)).toEqual([0.75, 0.8, null]);
    expect(perPair([58.6, 60.1], [50.9, 52.1, 49.0], (a, b) => a - b).map((x) => Number(x?.toFixed(1)))).toEqual([7.7, 8.0]);
  });
});

describe('formatEstimate', () => {
  it('prints the mean and its error to the digits asked, or the mean alone', () => {
    expect(formatEstimate({ mean: 0.87312, standardError: 0.02467, pairs: 10 }, 3)).toBe('0.873 ± 0.025');
    expect(formatEstimate({ mean: 7.54, standardError: null, pairs: 1 }, 1)).toBe('7.5');
    expect(formatEstimate(null, 1)).toBe('n/a');
  });
});
