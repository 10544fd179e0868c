// The outbound client alone: pooling, retry within the budget, and the per-service breaker.
import { describe, expect, it } from 'vitest';
import { CallScope, type DownstreamHttp } from '../../../composition';
import { CANCELLED, DEADLINE_EXCEEDED } from '../../../composition/source-failures';
import { fakeUsersPerTest } from './downstream-fixture';
import { delayed, hang, json, raw, startFakeBackend } from './fake-backend';

const { backend, client } = fakeUsersPerTest();

// Concurrent identical calls here are meant as separate requests: coalescing has its own tests (call-policies.test.ts).
const get = (h: DownstreamHttp, timeoutMs = 500, scope?: CallScope) => h.get('users', '/users/u-1', { scope, timeoutMs, policy: { coalesce: false } });

/** A scope its caller abandons after `ms`. */
function abandonedAfter(ms: number): CallScope {
  const scope = new CallScope();
  setTimeout(() => scope.cancel(CANCELLED), ms);
  return scope;
}

/** Answers 503 to the first `failures` calls, then 200. */
function flaky(failures: number) {
  let calls = 0;
  return backend.answer((_req, res) => (++calls <= failures ? json(res, 503, { title: 'down' }) : json(res, 200, { ok: true })));
}

describe('DownstreamHttp', () => {
  it('reuses keep-alive connections', async () => {
    const h = client();
    for (let i = 0; i < 20; i++) expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
    expect(backend.arrivals).toHaveLength(20);
    // undici may open a second socket while the first is being handed back; never one per call.
    expect(backend.connections).toBeLessThanOrEqual(2);
  });

  it("tells the service what is left of the call's budget, at each attempt", async () => {
    const h = client({ retry: { retries: 1, initialDelayMs: 50, maxDelayMs: 50, minAttemptMs: 10 } });
    flaky(1);
    expect(await get(h, 400)).toEqual({ kind: 'ok', body: { ok: true } });
    const budgets = backend.arrivals.map((a) => Number(a.headers['x-request-timeout-ms']));
    expect(budgets).toHaveLength(2);
    expect(budgets[0]).toBeGreaterThan(300);
    expect(budgets[0]).toBeLessThanOrEqual(400);
    // The retry left after the first answer and its backoff, with less to spend.
    expect(budgets[1]).toBeLessThan(budgets[0] ?? 0);
  });

  it('prefixes the base path of a service URL and sends accept: application/json', async () => {
    const http = client({ baseUrls: { users: `${backend.url}/v2/` } });
    await get(http);
    expect(backend.arrivals[0]?.path).toBe('/v2/users/u-1');
    expect(backend.arrivals[0]?.headers.accept).toBe('application/json');
  });

  it('classifies answers: 404, other 4xx, 5xx, unparseable body, oversized body', async () => {
    const h = client({ pool: { maxResponseBytes: 1000 } });
    backend.answer((_req, res) => json(res, 404, { title: 'nope' }));
    expect(await get(h)).toEqual({ kind: 'not_found' });
    backend.answer((_req, res) => json(res, 400, { title: 'bad' }));
    expect(await get(h)).toEqual({ kind: 'failed', reason: 'bad_response' });
    backend.answer((_req, res) => json(res, 500, { title: 'boom' }));
    expect(await get(h)).toEqual({ kind: 'failed', reason: 'unavailable' });
    backend.answer(raw(200, '{"malformed": tru'));
    expect(await get(h)).toEqual({ kind: 'failed', reason: 'bad_response' });
    backend.answer((_req, res) => json(res, 200, { big: 'x'.repeat(5000) }));
    expect(await get(h)).toEqual({ kind: 'failed', reason: 'bad_response' });
  });

  it('reports a refused connection as unavailable', async () => {
    const url = backend.url;
    await backend.close();
    const http = client({ baseUrls: { users: url } });
    expect(await get(http)).toEqual({ kind: 'failed', reason: 'unavailable' });
  });

  it('times out within its budget and hangs up on the service', async () => {
    const h = client();
    backend.answer(delayed(2000, 200, {}));
    const started = performance.now();
    expect(await get(h, 100)).toEqual({ kind: 'failed', reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(400);
    await expect.poll(() => backend.aborted).toBe(1);
  });

  it('answers calls that time out waiting for a connection at once, and never sends them or costs a connection', async () => {
    const h = client({ pool: { connectionsPerService: 1 } });
    backend.answer(delayed(200, 200, { ok: true }));
    const answered: string[] = [];
    const holder = get(h, 1000).finally(() => answered.push('holder'));
    const waiting = await Promise.all([get(h, 50), get(h, 50), get(h, 50)]).finally(() => answered.push('waiting'));
    expect(waiting).toEqual(Array(3).fill({ kind: 'failed', reason: 'timeout', overloaded: true }));
    expect(await holder).toEqual({ kind: 'ok', body: { ok: true } });
    // At their own timeout, not once the slot they waited for was free.
    expect(answered).toEqual(['waiting', 'holder']);
    expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
    // Only the two calls that had the connection reached the service, over that one connection.
    expect(backend.arrivals).toHaveLength(2);
    expect(backend.connections).toBe(1);
    expect(backend.aborted).toBe(0);
  });

  it('reports a call abandoned by its caller as cancelled', async () => {
    const h = client();
    backend.answer(delayed(2000, 200, {}));
    expect(await get(h, 1000, abandonedAfter(50))).toEqual({ kind: 'cancelled' });
    await expect.poll(() => backend.aborted).toBe(1);
  });

  describe('retry', () => {
    it('repeats a GET that failed transiently', async () => {
      const h = client({ retry: { retries: 1 } });
      flaky(1);
      expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
      expect(backend.arrivals).toHaveLength(2);
    });

    it('never repeats a business answer or a bad body', async () => {
      const h = client({ retry: { retries: 2 } });
      backend.answer((_req, res) => json(res, 404, {}));
      await get(h);
      backend.answer(raw(200, 'not json'));
      await get(h);
      expect(backend.arrivals).toHaveLength(2);
    });

    it('does not start an attempt the budget has no room for', async () => {
      // 40 ms of backoff plus 50 ms for an attempt do not fit in 60 ms.
      const h = client({ retry: { retries: 1, maxDelayMs: 40, minAttemptMs: 50 } });
      flaky(1);
      expect(await get(h, 60)).toEqual({ kind: 'failed', reason: 'unavailable' });
      expect(backend.arrivals).toHaveLength(1);
    });

    it('does not repeat a call that timed out', async () => {
      const h = client({ retry: { retries: 2 } });
      backend.answer(delayed(1000, 200, {}));
      expect(await get(h, 100)).toEqual({ kind: 'failed', reason: 'timeout' });
      expect(backend.arrivals).toHaveLength(1);
    });
  });

  describe('circuit breaker', () => {
    it('opens after N consecutive transient failures, then lets one trial through after the cool-down', async () => {
      const h = client({ breaker: { threshold: 3, cooldownMs: 200 } });
      backend.answer((_req, res) => json(res, 503, {}));
      for (let i = 0; i < 3; i++) expect(await get(h)).toEqual({ kind: 'failed', reason: 'unavailable' });
      expect(h.circuitStates().users).toBe('open');

      expect(await get(h)).toEqual({ kind: 'failed', reason: 'circuit_open' });
      expect(backend.arrivals).toHaveLength(3);

      // A failed trial opens it again for another cool-down.
      await new Promise((r) => setTimeout(r, 220));
      expect(await get(h)).toEqual({ kind: 'failed', reason: 'unavailable' });
      expect(await get(h)).toEqual({ kind: 'failed', reason: 'circuit_open' });
      expect(backend.arrivals).toHaveLength(4);

      backend.answer((_req, res) => json(res, 200, { ok: true }));
      await new Promise((r) => setTimeout(r, 220));
      expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
      expect(h.circuitStates().users).toBe('closed');
      expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
    });

    it('a trial the caller abandons, or that Baton times out itself, counts as neither: the next call is the trial', async () => {
      const h = client({ breaker: { threshold: 1, cooldownMs: 100 } });
      backend.answer((_req, res) => json(res, 503, {}));
      expect(await get(h)).toEqual({ kind: 'failed', reason: 'unavailable' });
      expect(h.circuitStates().users).toBe('open');

      // The trial goes out, and its caller leaves before the (still failing, slow) service answers.
      await new Promise((r) => setTimeout(r, 120));
      backend.answer(delayed(300, 503, {}));
      expect(await get(h, 1000, abandonedAfter(20))).toEqual({ kind: 'cancelled' });
      expect(h.circuitStates().users).toBe('open');
      // The trial is still due: the next call is it, with no new cool-down; the service, still down, opens it again.
      backend.answer((_req, res) => json(res, 503, {}));
      const before = backend.arrivals.length;
      expect(await get(h)).toEqual({ kind: 'failed', reason: 'unavailable' });
      expect(backend.arrivals.length).toBe(before + 1);
      expect(await get(h)).toEqual({ kind: 'failed', reason: 'circuit_open' });

      // The same for a trial cut short by Baton's own deadline before the service had it long.
      await new Promise((r) => setTimeout(r, 120));
      backend.answer(delayed(300, 503, {}));
      const deadline = new CallScope();
      setTimeout(() => deadline.cancel(DEADLINE_EXCEEDED), 20);
      expect(await get(h, 1000, deadline)).toEqual({ kind: 'failed', reason: 'timeout', overloaded: true });
      expect(h.circuitStates().users).toBe('open');
      // A trial that answers closes it.
      backend.answer((_req, res) => json(res, 200, { ok: true }));
      expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
      expect(h.circuitStates().users).toBe('closed');
    });

    it('counts timeouts, but neither answers (404, bad bodies) nor cancelled calls', async () => {
      const h = client({ breaker: { threshold: 2, cooldownMs: 10_000 } });
      backend.answer((_req, res) => json(res, 404, {}));
      for (let i = 0; i < 3; i++) await get(h);
      backend.answer(raw(200, 'nope'));
      for (let i = 0; i < 3; i++) await get(h);
      backend.answer(delayed(1000, 200, {}));
      for (let i = 0; i < 3; i++) {
        expect(await get(h, 1000, abandonedAfter(20))).toEqual({ kind: 'cancelled' });
      }
      expect(h.circuitStates().users).toBe('closed');
      for (let i = 0; i < 2; i++) expect(await get(h, 50)).toEqual({ kind: 'failed', reason: 'timeout' });
      expect(h.circuitStates().users).toBe('open');
    });

    it('does not hold a timeout against the service when our own event loop made it late', async () => {
      const h = client({ breaker: { threshold: 2, cooldownMs: 10_000 } });
      backend.answer(delayed(5, 200, { ok: true }));
      // The process is too busy to read the answer: the 50 ms timer can only fire once the loop is
      // free again, 250 ms after it was due.
      const blocked = async () => {
        const call = get(h, 50);
        const until = performance.now() + 300;
        while (performance.now() < until);
        return call;
      };
      for (let i = 0; i < 4; i++) expect(await blocked()).toEqual({ kind: 'failed', reason: 'timeout', overloaded: true });
      expect(h.circuitStates().users).toBe('closed');
      expect(await get(h)).toEqual({ kind: 'ok', body: { ok: true } });
    });

    it('does not hold a timeout against the service when the call spent its budget queued in our own pool', async () => {
      const h = client({ breaker: { threshold: 2, cooldownMs: 10_000 }, pool: { connectionsPerService: 1 } });
      backend.answer(hang);
      // The first call holds the only connection for 300 ms: the second never leaves the pool before
      // its timeout, the third reaches the service with less than half of its 450 ms left.
      const [first, queued, late] = await Promise.all([get(h, 300), get(h, 100), get(h, 450)]);
      // Only the first was the service's fault; the others were Baton's own overload.
      expect([first, queued, late]).toEqual([
        { kind: 'failed', reason: 'timeout' },
        { kind: 'failed', reason: 'timeout', overloaded: true },
        { kind: 'failed', reason: 'timeout', overloaded: true },
      ]);
      expect(backend.arrivals).toHaveLength(2);
      // Only the first counted.
      expect(h.circuitStates().users).toBe('closed');
      expect(await get(h, 100)).toEqual({ kind: 'failed', reason: 'timeout' });
      expect(h.circuitStates().users).toBe('open');
    });

    it('holds a composition deadline against the service only when it was cut on time', async () => {
      const h = client({ breaker: { threshold: 1, cooldownMs: 10_000 } });
      backend.answer(hang);
      // The deadline cuts the call just before its own 120 ms would have run out.
      const cutAt = (overdueMs: number) => {
        const scope = new CallScope();
        setTimeout(() => scope.cancel(DEADLINE_EXCEEDED, overdueMs), 100);
        return get(h, 120, scope);
      };
      expect(await cutAt(250)).toEqual({ kind: 'failed', reason: 'timeout', overloaded: true });
      expect(h.circuitStates().users).toBe('closed');
      expect(await cutAt(0)).toEqual({ kind: 'failed', reason: 'timeout' });
      expect(h.circuitStates().users).toBe('open');
    });

    it('keeps one breaker per service', async () => {
      const other = await startFakeBackend((_req, res) => json(res, 200, { other: true }));
      try {
        const http = client({ baseUrls: { users: backend.url, loyalty: other.url }, breaker: { threshold: 1, cooldownMs: 10_000 } });
        backend.answer((_req, res) => json(res, 500, {}));
        await get(http);
        expect(await http.get('loyalty', '/loyalty/u-1', { timeoutMs: 500 })).toEqual({ kind: 'ok', body: { other: true } });
        expect(http.circuitStates()).toEqual({ users: 'open', loyalty: 'closed' });
      } finally {
        await other.close();
      }
    });
  });
});
