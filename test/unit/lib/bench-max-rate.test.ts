// The composition benchmark's sustained-rate search: a geometric ramp, then bisection. A step can fail by a
// passing stall, so one failed step must not end a contender's search below its real maximum.
import { describe, expect, it } from 'vitest';
import { maxSustainedRates } from '../../../dev/bench/lib/max-rate';
import type { OpenLoop, StepResult } from '../../../dev/bench/lib/open-loop';

/** A contender that sustains every rate up to `capacity`, and fails the attempts listed in `stalls` (1-based) whatever the rate. */
function contender(capacity: number, stalls: number[] = []): { loop: OpenLoop; offered: number[] } {
  const offered: number[] = [];
  const loop = {
    run: (rate: number, durationMs: number): Promise<StepResult> => {
      offered.push(rate);
      const p90 = rate <= capacity && !stalls.includes(offered.length) ? 25 : 500;
      return Promise.resolve({
        rate,
        durationMs,
        sent: rate,
        ok: rate,
        failed: 0,
        failedBy: {},
        unfinished: 0,
        throughput: rate,
        p50: 22,
        p90,
        p99: p90,
        max: p90,
        driverLagMs: 1,
      });
    },
  } as unknown as OpenLoop;
  return { loop, offered };
}

const options = { startRate: 400, stepMs: 2000, refineRounds: 4, sustained: (r: StepResult) => r.p90 <= 100, log: () => undefined };

describe('maxSustainedRates', () => {
  it('finds the maximum when no step stalls', async () => {
    const steady = contender(3000);
    const found = await maxSustainedRates({ steady: steady.loop }, options);
    // 400, 600, 900, 1350, 2025 pass, 3038 fails (twice), then four bisection steps between 2025 and 3038.
    expect(found.steady.good).toBeGreaterThan(2900);
    expect(found.steady.good).toBeLessThanOrEqual(3000);
  });

  it('runs a failed step once more, so one stall does not end the search below the maximum', async () => {
    // The fifth attempt (2025/s, well under the capacity) stalls.
    const unlucky = contender(3000, [5]);
    const found = await maxSustainedRates({ unlucky: unlucky.loop }, options);
    expect(unlucky.offered.slice(0, 7)).toEqual([400, 600, 900, 1350, 2025, 2025, 3038]);
    expect(found.unlucky.good).toBeGreaterThan(2900);
    expect(found.unlucky.steps).toHaveLength(unlucky.offered.length);
  });

  it('stops at a rate that fails twice in a row', async () => {
    const overloaded = contender(1000);
    const found = await maxSustainedRates({ overloaded: overloaded.loop }, options);
    expect(overloaded.offered.slice(0, 6)).toEqual([400, 600, 900, 1350, 1350, 1125]);
    expect(found.overloaded.good).toBeLessThanOrEqual(1000);
    expect(found.overloaded.good).toBeGreaterThan(900);
  });
});
