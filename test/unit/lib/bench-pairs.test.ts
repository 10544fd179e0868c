// Rounds compared pair by pair: what the benchmarks report beside a pooled ratio, so that a reader can tell
// whether a figure stands out from the rounds' scatter.
import { describe, expect, it } from 'vitest';
import { estimateOfPairs, formatEstimate, perPair, tQuantile975 } from '../../../dev/bench/lib/pairs';

describe('estimateOfPairs', () => {
  it('gives the mean of the pairs, its standard error (sample deviation over the square root of the pairs) and its 95% interval', () => {
    const estimate = estimateOfPairs([0.8, 0.9, 1.0, 0.9]);
    expect(estimate?.mean).toBeCloseTo(0.9, 10);
    // Deviations -0.1, 0, 0.1, 0: variance 0.02 / 3, standard error sqrt(0.02 / 3 / 4); t for 3 degrees of freedom 3.182.
    expect(estimate?.standardError).toBeCloseTo(Math.sqrt(0.02 / 12), 10);
    expect(estimate?.halfWidth95).toBeCloseTo(3.182 * Math.sqrt(0.02 / 12), 10);
    expect(estimate?.pairs).toBe(4);
  });

  it('leaves out pairs that could not be measured, and gives no error for a single pair', () => {
    expect(estimateOfPairs([null, Number.NaN, 0.7, Number.POSITIVE_INFINITY])).toEqual({ mean: 0.7, standardError: null, halfWidth95: null, pairs: 1 });
    expect(estimateOfPairs([null])).toBeNull();
  });

  it('shrinks its error as the pairs agree: the same mean, less scatter', () => {
    const scattered = estimateOfPairs([0.7, 1.1, 0.7, 1.1])!;
    const close = estimateOfPairs([0.89, 0.91, 0.89, 0.91])!;
    expect(scattered.mean).toBeCloseTo(close.mean, 10);
    expect(close.standardError!).toBeLessThan(scattered.standardError! / 10);
  });

  it('widens the interval when few pairs vouch for the mean: two pairs that agree by chance do not make a narrow one', () => {
    const two = estimateOfPairs([4.0, 4.2])!;
    const eight = estimateOfPairs([4.0, 4.2, 4.0, 4.2, 4.0, 4.2, 4.0, 4.2])!;
    expect(two.halfWidth95! / two.standardError!).toBeCloseTo(12.706, 3);
    expect(eight.halfWidth95! / eight.standardError!).toBeCloseTo(2.365, 3);
  });
});

describe('tQuantile975', () => {
  it("reads Student's t table, taking the wider row between rows", () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(9)).toBe(2.262);
    expect(tQuantile975(20)).toBe(2.086);
    expect(tQuantile975(24)).toBe(2.086);
    expect(tQuantile975(39)).toBe(2.042);
    expect(tQuantile975(1000)).toBe(1.98);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });
});

describe('perPair', () => {
  it('combines the rounds of the same index, and only those both sides have', () => {
    expect(perPair([30, 20, null, 10], [40, 25, 30], (a, b) => a / b)).toEqual([0.75, 0.8, null]);
    expect(perPair([58.6, 60.1], [50.9, 52.1, 49.0], (a, b) => a - b).map((x) => Number(x?.toFixed(1)))).toEqual([7.7, 8.0]);
  });
});

describe('formatEstimate', () => {
  it('prints the mean and its 95% interval to the digits asked, or the mean alone', () => {
    expect(formatEstimate({ mean: 0.87312, standardError: 0.02467, halfWidth95: 0.05581, pairs: 10 }, 3)).toBe('0.873 ± 0.056 (95%, 10 pairs)');
    expect(formatEstimate({ mean: 7.54, standardError: null, halfWidth95: null, pairs: 1 }, 1)).toBe('7.5');
    expect(formatEstimate(null, 1)).toBe('n/a');
    expect(formatEstimate({ mean: -1.62, standardError: 1.41, halfWidth95: 6.07, pairs: 3 }, 1, ' ms')).toBe('-1.6 ± 6.1 ms (95%, 3 pairs)');
  });
});
