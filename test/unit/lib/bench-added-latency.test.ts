// The composition benchmark's "added latency": per request, its latency minus its own slowest downstream
// call as the server reported it in Server-Timing. Never negative, unlike a difference of percentiles.
import { describe, expect, it } from 'vitest';
import { OpenLoop, slowestCallMs, type Target } from '../../../dev/bench/lib/open-loop';

describe('slowestCallMs', () => {
  it('is the longest call, whatever the order, leaving out the total and entries without a duration', () => {
    expect(slowestCallMs('users;dur=20.4, orderHistory;dur=31.2, loyalty;desc=timeout;dur=25, total;dur=33.0')).toBe(31.2);
    expect(slowestCallMs('total;dur=50, users;dur=1')).toBe(1);
    expect(slowestCallMs('users;desc=unavailable, total;dur=3')).toBeUndefined();
    expect(slowestCallMs(undefined)).toBeUndefined();
  });
});

/** A server that answers after 15 ms, reporting a slowest downstream call of 10 ms. */
const answersIn15msOf10msDownstream = (): Target => ({
  send: async () => {
    await new Promise((r) => setTimeout(r, 15));
    return { downstreamMs: 10 };
  },
  close: () => Promise.resolve(),
});

describe('OpenLoop added samples', () => {
  it("records each request's latency minus its reported downstream time, and nothing for targets that report none", async () => {
    const timed = new OpenLoop(answersIn15msOf10msDownstream());
    const { samples, added } = await timed.sample(100, 200);
    expect(added.length).toBe(samples.length);
    expect(added.length).toBeGreaterThan(10);
    expect(Math.min(...added)).toBeGreaterThanOrEqual(4);
    const plain = new OpenLoop({ send: () => Promise.resolve(true), close: () => Promise.resolve() });
    const untimed = await plain.sample(100, 100);
    expect(untimed.samples.length).toBeGreaterThan(5);
    expect(untimed.added.length).toBe(0);
  });

  it("leaves the driver's own lateness out: a request sent late is timed from its send, not from when it was due", async () => {
    const loop = new OpenLoop(answersIn15msOf10msDownstream());
    // The driver's event loop stands still for 100 ms: the 20 requests due meanwhile go out late, and the few
    // in flight are heard late (that, the server's answer waiting for the driver, does count).
    setTimeout(() => {
      const until = performance.now() + 100;
      while (performance.now() < until);
    }, 50);
    const { added, addedFromDue, result } = await loop.sample(200, 400);
    const over = (xs: Float64Array) => xs.filter((ms) => ms > 25).length;
    expect(result.driverLagMs).toBeGreaterThan(90);
    expect(over(addedFromDue)).toBeGreaterThanOrEqual(12);
    expect(over(added)).toBeLessThanOrEqual(5);
  });
});

describe('OpenLoop timed requests', () => {
  it('gives each timed request its send and answered times (epoch ms) beside what the server added', async () => {
    const before = performance.timeOrigin + performance.now();
    const loop = new OpenLoop(answersIn15msOf10msDownstream());
    const { timed, added } = await loop.sample(100, 200);
    const after = performance.timeOrigin + performance.now();
    expect(timed.from.length).toBe(added.length);
    for (let i = 0; i < timed.from.length; i++) {
      expect(timed.from[i]).toBeGreaterThanOrEqual(before);
      expect(timed.to[i]).toBeLessThanOrEqual(after);
      // Epoch milliseconds keep about a microsecond of precision.
      expect(timed.to[i]! - timed.from[i]!).toBeCloseTo(timed.added[i]! + 10, 3);
    }
  });
});
