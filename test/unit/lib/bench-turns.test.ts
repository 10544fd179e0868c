// The order of the benchmarks' rounds: a round's place must favour no side, so no counted round may
// follow one of its own side's, and neither side may always go first.
import { describe, expect, it } from 'vitest';
import { alternatingTurns, rotatingPasses } from '../../../dev/bench/lib/turns';

describe('alternatingTurns', () => {
  const schedule = alternatingTurns(['baton', 'raw'], 2, 5);

  it('counts the same number of rounds for each side on every server, after a warm-up of each', () => {
    for (const turns of schedule) {
      const counted = turns.filter((t) => !t.warmUp);
      expect(counted.filter((t) => t.side === 'baton')).toHaveLength(5);
      expect(counted.filter((t) => t.side === 'raw')).toHaveLength(5);
      expect(turns.slice(0, 2).map((t) => t.warmUp)).toEqual([true, true]);
      expect(new Set(turns.slice(0, 2).map((t) => t.side))).toEqual(new Set(['baton', 'raw']));
      expect(turns.slice(2).every((t) => !t.warmUp)).toBe(true);
    }
  });

  it('never lets a counted round follow a round of its own side, warm-ups included', () => {
    for (const turns of schedule) {
      for (let i = 1; i < turns.length; i++) if (!turns[i]!.warmUp) expect(turns[i]!.side).not.toBe(turns[i - 1]!.side);
    }
  });

  it('lets each side go first on as many servers as the other', () => {
    expect(schedule.map((turns) => turns[0]!.side)).toEqual(['baton', 'raw']);
    expect(alternatingTurns(['baton', 'raw'], 4, 1).map((turns) => turns[0]!.side)).toEqual(['baton', 'raw', 'baton', 'raw']);
  });
});

describe('rotatingPasses', () => {
  const series = ['baton', 'noMarkers', 'allOff', 'bare', 'raw'];

  it('runs every series once in each pass', () => {
    for (const pass of rotatingPasses(series, 4)) expect([...pass].sort()).toEqual([...series].sort());
  });

  it('never runs a series right after itself, across passes too', () => {
    for (const list of [series, ['baton', 'allOff', 'raw'], ['baton', 'raw']]) {
      const order = rotatingPasses(list, 5).flat();
      for (let i = 1; i < order.length; i++) expect(order[i]).not.toBe(order[i - 1]);
    }
  });

  it('lets each series go first in turn', () => {
    expect(rotatingPasses(series, 5).map((pass) => pass[0])).toEqual(series);
  });
});
