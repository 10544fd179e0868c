// One look at an order per interval, however many event streams watch it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrderWatches } from '../../../api/orders/order-watches';
import type { OrderView } from '../../../api/orders/order-reads';

const view = (version: number): OrderView => ({ version, open: true }) as unknown as OrderView;

afterEach(() => {
  vi.useRealTimers();
});

describe('OrderWatches', () => {
  it('reads an order once per interval for all of its streams, and stops when the last one leaves', async () => {
    vi.useFakeTimers();
    let version = 0;
    const read = vi.fn(() => Promise.resolve(view(++version)));
    const watches = new OrderWatches(1000);
    const a = watches.subscribe('ord-1', read);
    const b = watches.subscribe('ord-1', () => Promise.reject(new Error('the first stream reads for both')));
    const never = new AbortController().signal;
    const both = Promise.all([a.next(never), b.next(never)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await both).map((v) => v?.version)).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(read).toHaveBeenCalledTimes(4);

    a.close();
    a.close();
    await vi.advanceTimersByTimeAsync(2000);
    expect(read).toHaveBeenCalledTimes(6);
    b.close();
    expect(watches.size).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(read).toHaveBeenCalledTimes(6);
  });

  it('gives the last view read when a look fails, and keeps looking', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let fail = false;
    const watches = new OrderWatches(100, (err) => errors.push(err));
    const sub = watches.subscribe('ord-2', () => (fail ? Promise.reject(new Error('Temporal away')) : Promise.resolve(view(7))));
    const signal = new AbortController().signal;
    let next = sub.next(signal);
    await vi.advanceTimersByTimeAsync(100);
    expect((await next)?.version).toBe(7);
    fail = true;
    next = sub.next(signal);
    await vi.advanceTimersByTimeAsync(100);
    expect((await next)?.version).toBe(7);
    expect(errors).toHaveLength(1);
    sub.close();
  });

  it('answers undefined at once when the stream is aborted', async () => {
    const watches = new OrderWatches(60_000);
    const sub = watches.subscribe('ord-3', () => Promise.resolve(view(1)));
    const stop = new AbortController();
    const next = sub.next(stop.signal);
    stop.abort();
    expect(await next).toBeUndefined();
    sub.close();
    expect(watches.size).toBe(0);
  });
});
