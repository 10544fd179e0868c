// A figure beside its target: rounded for people, but never rounded across the target. The full run of
// 2026-12-06 07:45 read a saga throughput of 0.8996 of the raw SDK's, printed and judged as 0.90, "met".
import { describe, expect, it } from 'vitest';
import { fmtAgainst, placesAgainst, roundAgainst, verdict } from '../../../dev/bench/lib/report';

const atLeast = (target: number) => (v: number) => v >= target;
const atMost = (target: number) => (v: number) => v <= target;

describe('placesAgainst', () => {
  it('adds places while the rounded figure would meet a target the figure misses', () => {
    const ok = atLeast(0.9);
    expect(placesAgainst(0.8996, ok, 2)).toBe(4);
    expect(fmtAgainst(0.8996, ok)).toBe('0.8996');
    expect(roundAgainst(0.8996, ok)).toBe(0.8996);
    expect(roundAgainst(0.8512, ok)).toBe(0.851);
    expect(verdict(0.8996, ok)).toBe('MISSED');
  });

  it('adds places for an upper bound too, and none where the rounded figure stands where the figure does', () => {
    const ok = atMost(1.1);
    // 1.1004 misses ≤ 1.1 and would read 1.10; 1.0996 meets it, and so does the 1.10 it reads as.
    expect(fmtAgainst(1.1004, ok)).toBe('1.1004');
    expect(fmtAgainst(1.0996, ok)).toBe('1.10');
    expect(fmtAgainst(1.8, atLeast(1.8))).toBe('1.80');
    expect(fmtAgainst(null, ok)).toBe('-');
  });

  it('keeps the places asked for when rounding leaves the verdict alone, or when there is no figure', () => {
    expect(placesAgainst(0.851, atLeast(0.9), 2)).toBe(2);
    expect(placesAgainst(0.951, atLeast(0.95), 3)).toBe(3);
    expect(placesAgainst(Number.NaN, atLeast(0.9), 2)).toBe(2);
    expect(placesAgainst(null, atLeast(0.9), 3)).toBe(3);
  });
});
