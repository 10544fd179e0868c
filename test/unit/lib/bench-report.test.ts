// A figure beside its target: rounded for people, but never rounded across the target. The full run of
// 2026-12-06 07:45 read a saga throughput of 0.8996 of the raw SDK's, printed and judged as 0.90, "met".
import { describe, expect, it } from 'vitest';
import { fmt, placesAgainst, round, verdict } from '../../../dev/bench/lib/report';

const atLeast = (target: number) => (v: number) => v >= target;
const atMost = (target: number) => (v: number) => v <= target;

describe('placesAgainst', () => {
  it('adds places while the rounded figure would meet a target the figure misses', () => {
    const ok = atLeast(0.9);
    expect(placesAgainst(0.8996, ok, 2)).toBe(4);
    expect(fmt(0.8996, placesAgainst(0.8996, ok, 2))).toBe('0.8996');
    expect(round(0.8996, placesAgainst(0.8996, ok, 3))).toBe(0.8996);
    expect(verdict(0.8996, ok)).toBe('MISSED');
  });

  it('adds places while the rounded figure would miss a target the figure meets', () => {
    const ok = atMost(1.1);
    // 1.1004 misses ≤ 1.1; 1.0996 meets it and must not read 1.10 only to be called met on a number it is not.
    expect(fmt(1.1004, placesAgainst(1.1004, ok, 2))).toBe('1.1004');
    expect(fmt(1.0996, placesAgainst(1.0996, ok, 2))).toBe('1.10');
    expect(fmt(1.8, placesAgainst(1.8, atLeast(1.8), 2))).toBe('1.80');
  });

  it('keeps the places asked for when rounding leaves the verdict alone, or when there is no figure', () => {
    expect(placesAgainst(0.851, atLeast(0.9), 2)).toBe(2);
    expect(placesAgainst(0.951, atLeast(0.95), 3)).toBe(3);
    expect(placesAgainst(Number.NaN, atLeast(0.9), 2)).toBe(2);
    expect(placesAgainst(null, atLeast(0.9), 3)).toBe(3);
  });
});
