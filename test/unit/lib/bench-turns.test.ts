// The saga throughput benchmark's round order: a round's place must favour neither side, so no counted round may
// follow one of its own side's, and neither side may always go first.
import { describe, expect, it } from 'vitest';
import { alternatingTurns } from '../../../dev/bench/lib/turns';

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
