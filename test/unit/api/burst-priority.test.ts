// The allowance that decides which of a customer's starts go to the burst lane, one step lower (api/workflows/burst-priority.ts).
import { describe, expect, it } from 'vitest';
import { BurstPriority } from '../../../api/workflows/burst-priority';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('BurstPriority', () => {
  it("lowers a key's starts past its burst, and no other key's", () => {
    const c = clock();
    const burst = new BurstPriority({ burst: 3, perSecond: 1 }, c.now);
    expect([1, 2, 3, 4, 5].map(() => burst.pastAllowance('cus-a'))).toEqual([false, false, false, true, true]);
    expect(burst.pastAllowance('cus-b')).toBe(false);
  });

  it('gives the allowance back at its rate, never above the burst', () => {
    const c = clock();
    const burst = new BurstPriority({ burst: 2, perSecond: 2 }, c.now);
    burst.pastAllowance('cus-a');
    burst.pastAllowance('cus-a');
    expect(burst.pastAllowance('cus-a')).toBe(true);
    c.advance(500); // one start's worth
    expect(burst.pastAllowance('cus-a')).toBe(false);
    expect(burst.pastAllowance('cus-a')).toBe(true);
    c.advance(60_000); // long idle: back to the burst, not to 120
    expect([1, 2, 3].map(() => burst.pastAllowance('cus-a'))).toEqual([false, false, true]);
  });

  it('keeps lowering a key that keeps starting faster than its rate, until it pauses for one refill', () => {
    const c = clock();
    const burst = new BurstPriority({ burst: 1, perSecond: 1 }, c.now);
    const lowered = Array.from({ length: 20 }, () => {
      c.advance(250); // four a second against one a second: a start past the allowance restarts the refill
      return burst.pastAllowance('cus-a');
    });
    expect(lowered).toEqual([false, ...Array<boolean>(19).fill(true)]);
    c.advance(999);
    expect(burst.pastAllowance('cus-a')).toBe(true);
    c.advance(1000);
    expect(burst.pastAllowance('cus-a')).toBe(false);
  });

  it('gives a key that starts at its rate every start on the main lane', () => {
    const c = clock();
    const burst = new BurstPriority({ burst: 2, perSecond: 1 }, c.now);
    const lowered = Array.from({ length: 20 }, () => {
      c.advance(1000);
      return burst.pastAllowance('cus-a');
    });
    expect(lowered.filter(Boolean)).toEqual([]);
  });

  it('lowers nothing when the burst is 0', () => {
    const burst = new BurstPriority({ burst: 0, perSecond: 1 });
    expect([1, 2, 3].map(() => burst.pastAllowance('cus-a'))).toEqual([false, false, false]);
  });
});
