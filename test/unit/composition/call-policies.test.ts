// What a source can ask of its calls beside retry and breaker: one request for identical calls in flight
// (coalescing), a second request when the first is slow (hedging), and an HTTP cache that keeps to the
// service's Cache-Control and ETag (RFC 9111), each answer saying what the cache did (RFC 9211).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CallScope, type CallPolicy, type DownstreamHttp } from '../../../composition';
import { CANCELLED, DEADLINE_EXCEEDED } from '../../../composition/source-failures';
import { fakeUsersPerTest } from './downstream-fixture';
import { delayed, eventually, hang, json, pause } from './fake-backend';

const { backend, client } = fakeUsersPerTest();

const get = (h: DownstreamHttp, policy?: CallPolicy, timeoutMs = 1000, scope?: CallScope, path = '/users/u-1') =>
  h.get('users', path, { timeoutMs, scope, ...(policy && { policy }) });

/** Answers `body` with `cacheControl` and an ETag of the body; 304 to a matching If-None-Match. */
function cacheable(cacheControl: string, body: () => unknown, status = () => 200) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const code = status();
    if (code !== 200) return json(res, code, { title: 'down' });
    const text = JSON.stringify(body());
    const tag = `"${createHash('sha1').update(text).digest('hex')}"`;
    if (req.headers['if-none-match'] === tag) {
      res.writeHead(304, { etag: tag, 'cache-control': cacheControl });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), etag: tag, 'cache-control': cacheControl });
    res.end(text);
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('coalescing', () => {
  const SHARED: CallPolicy = { coalesce: true };

  it('sends one request for identical calls in flight; every caller gets the answer, the joiners marked collapsed', async () => {
    const h = client();
    backend.answer(delayed(100, 200, { id: 'u-1' }));
    const answers = await Promise.all([get(h, SHARED), get(h, SHARED), get(h, SHARED)]);
    expect(backend.arrivals).toHaveLength(1);
    expect(answers.map((a) => a.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(answers.map((a) => a.cacheStatus)).toEqual([undefined, 'fwd=bypass; collapsed', 'fwd=bypass; collapsed']);
    // Different paths, or a source that does not ask for it (the default without a cache), are separate requests.
    await Promise.all([get(h, SHARED), get(h, SHARED, 1000, undefined, '/users/u-2'), get(h)]);
    expect(backend.arrivals).toHaveLength(4);
  });

  it('keeps the shared request for the callers still waiting when the one that started it leaves', async () => {
    const h = client();
    backend.answer(delayed(150, 200, { id: 'u-1' }));
    const leader = new CallScope();
    const first = get(h, SHARED, 1000, leader);
    const second = get(h, SHARED);
    setTimeout(() => leader.cancel(CANCELLED), 30);
    expect(await first).toEqual({ kind: 'cancelled' });
    expect(await second).toMatchObject({ kind: 'ok', body: { id: 'u-1' } });
    expect(backend.arrivals).toHaveLength(1);
    expect(backend.aborted).toBe(0);
  });

  it('cuts the request once every caller has left, and a joiner keeps its own shorter budget', async () => {
    const h = client();
    backend.answer(hang);
    const a = new CallScope();
    const b = new CallScope();
    const calls = [get(h, SHARED, 2000, a), get(h, SHARED, 2000, b), get(h, SHARED, 100)];
    // The joiner with 100 ms times out on its own while the request goes on.
    expect(await calls[2]).toEqual({ kind: 'failed', reason: 'timeout' });
    expect(backend.aborted).toBe(0);
    a.cancel(CANCELLED);
    b.cancel(CANCELLED);
    expect(await Promise.all(calls.slice(0, 2))).toEqual([{ kind: 'cancelled' }, { kind: 'cancelled' }]);
    await eventually(() => backend.aborted === 1);
    // The next call is a new request, not a join of the cut one.
    backend.answer((_req, res) => json(res, 200, { id: 'u-1' }));
    expect(await get(h, SHARED)).toMatchObject({ kind: 'ok' });
    expect(backend.arrivals).toHaveLength(2);
  });

  it("counts a shared call cut by its last caller's deadline against the service, as an unshared one", async () => {
    const h = client({ breaker: { threshold: 1, cooldownMs: 60_000 } });
    backend.answer(hang);
    const scope = new CallScope();
    setTimeout(() => scope.cancel(DEADLINE_EXCEEDED), 80);
    expect(await get(h, SHARED, 100, scope)).toEqual({ kind: 'failed', reason: 'timeout' });
    await eventually(() => h.circuitStates().users === 'open');
  });
});

describe('hedging', () => {
  it('sends a second request when the first is slow; the first answer wins and the other is cut', async () => {
    const h = client();
    let n = 0;
    backend.answer((req, res) => (++n === 1 ? delayed(1000, 200, { id: 'slow' })(req, res) : json(res, 200, { id: 'fast' })));
    const startedAt = performance.now();
    const answer = await get(h, { hedgeAfterMs: 50 });
    expect(answer).toMatchObject({ kind: 'ok', body: { id: 'fast' } });
    expect(performance.now() - startedAt).toBeLessThan(900);
    expect(backend.arrivals).toHaveLength(2);
    // The hedge waits its 50 ms from the call's start (less 1 ms: Node's timers keep a millisecond clock). Not from the
    // first request's arrival: opening the connection can delay that by several ms on a busy machine.
    expect(backend.arrivals[1]!.at - startedAt).toBeGreaterThanOrEqual(49);
    await eventually(() => backend.aborted === 1);
  });

  it('sends no hedge when the first answers in time, when too little budget is left, or to an open circuit', async () => {
    const h = client({ breaker: { threshold: 1, cooldownMs: 60_000 } });
    backend.answer(delayed(20, 200, { id: 'u-1' }));
    expect(await get(h, { hedgeAfterMs: 100 })).toMatchObject({ kind: 'ok' });
    expect(backend.arrivals).toHaveLength(1);
    // 80 ms budget, hedge due at 60 ms: 20 ms left is not worth a request.
    backend.answer(hang);
    expect(await get(h, { hedgeAfterMs: 60 }, 80)).toEqual({ kind: 'failed', reason: 'timeout' });
    expect(backend.arrivals).toHaveLength(2);
    // Open the circuit with one failure; a hedge then never reaches the failing service.
    backend.answer((_req, res) => json(res, 503, { title: 'down' }));
    await get(h, { coalesce: false });
    expect(h.circuitStates().users).toBe('open');
    const before = backend.arrivals.length;
    expect(await get(h, { hedgeAfterMs: 10 })).toEqual({ kind: 'failed', reason: 'circuit_open' });
    expect(backend.arrivals).toHaveLength(before);
  });

  it('waits for the hedge when the first request fails while the hedge is out', async () => {
    const h = client();
    let n = 0;
    backend.answer(async (req, res) => {
      if (++n === 1) {
        await pause(res, 120);
        return json(res, 503, { title: 'down' });
      }
      return delayed(100, 200, { id: 'hedge' })(req, res);
    });
    expect(await get(h, { hedgeAfterMs: 50 })).toMatchObject({ kind: 'ok', body: { id: 'hedge' } });
  });
});

describe('HTTP cache (RFC 9111)', () => {
  it('serves a fresh answer without a call, then revalidates with If-None-Match once it is stale (304 keeps the body)', async () => {
    const h = client();
    let version = 1;
    backend.answer(cacheable('max-age=1', () => ({ id: 'u-1', version })));
    const first = await get(h, { cache: true });
    expect(first).toEqual({ kind: 'ok', body: { id: 'u-1', version: 1 }, cacheStatus: 'fwd=miss; stored' });
    const second = await get(h, { cache: true });
    expect(second).toMatchObject({ kind: 'ok', body: { id: 'u-1', version: 1 } });
    expect(second.cacheStatus).toMatch(/^hit; ttl=[01]$/);
    expect(backend.arrivals).toHaveLength(1);

    await sleep(1100);
    const revalidated = await get(h, { cache: true });
    expect(revalidated).toEqual({ kind: 'ok', body: { id: 'u-1', version: 1 }, cacheStatus: 'fwd=stale; fwd-status=304; stored' });
    expect(backend.arrivals).toHaveLength(2);
    expect(backend.arrivals[1]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{40}"$/);

    // A changed resource answers 200 to the revalidation: the new body replaces the old.
    await sleep(1100);
    version = 2;
    expect(await get(h, { cache: true })).toEqual({ kind: 'ok', body: { id: 'u-1', version: 2 }, cacheStatus: 'fwd=stale; fwd-status=200; stored' });
  });

  it('asks again, unconditionally, when a 304 names another validator than the stored answer (RFC 9111 §4.3.4)', async () => {
    const h = client();
    let n = 0;
    backend.answer((req, res) => {
      n++;
      if (n === 2) {
        res.writeHead(304, { etag: '"someone-else"', 'cache-control': 'max-age=1' });
        res.end();
        return;
      }
      cacheable('max-age=1', () => ({ id: 'u-1', n }))(req, res);
    });
    await get(h, { cache: true });
    await sleep(1100);
    const answer = await get(h, { cache: true });
    expect(answer).toEqual({ kind: 'ok', body: { id: 'u-1', n: 3 }, cacheStatus: 'fwd=miss; stored' });
    expect(backend.arrivals.map((a) => a.headers['if-none-match'] !== undefined)).toEqual([false, true, false]);
  });

  it('serves a stale answer at once within stale-while-revalidate and refreshes it in the background', async () => {
    const h = client();
    let version = 1;
    backend.answer(cacheable('max-age=1, stale-while-revalidate=30', () => ({ version })));
    await get(h, { cache: true });
    await sleep(1100);
    version = 2;
    const stale = await get(h, { cache: true });
    expect(stale.kind === 'ok' && stale.body).toEqual({ version: 1 });
    expect(stale.cacheStatus).toMatch(/^hit; ttl=-?\d+; detail="stale-while-revalidate"$/);
    await eventually(() => backend.arrivals.length === 2);
    await eventually(() => h.cacheStats().entries === 1);
    await sleep(50);
    const fresh = await get(h, { cache: true });
    expect(fresh.kind === 'ok' && fresh.body).toEqual({ version: 2 });
    expect(fresh.cacheStatus).toMatch(/^hit; /);
  });

  it('serves a stale answer within stale-if-error when the service fails, times out or its circuit is open', async () => {
    const h = client({ breaker: { threshold: 1, cooldownMs: 60_000 } });
    let status = 200;
    backend.answer(
      cacheable(
        'max-age=1, stale-if-error=60',
        () => ({ id: 'u-1' }),
        () => status,
      ),
    );
    await get(h, { cache: true });
    await sleep(1100);
    status = 503;
    const failed = await get(h, { cache: true });
    expect(failed).toMatchObject({ kind: 'ok', body: { id: 'u-1' } });
    expect(failed.cacheStatus).toMatch(/^fwd=stale; ttl=-\d+; detail="stale-if-error unavailable"$/);
    expect(h.circuitStates().users).toBe('open');
    const open = await get(h, { cache: true });
    expect(open.cacheStatus).toMatch(/detail="stale-if-error circuit_open"$/);
    // Without stale-if-error a failure is a failure.
    expect(await get(h, { cache: true }, 1000, undefined, '/users/u-2')).toMatchObject({ kind: 'failed', reason: 'circuit_open' });
  });

  it('stores nothing the service forbids (no-store, private) or gives no freshness to', async () => {
    const h = client();
    for (const cacheControl of ['no-store', 'private, max-age=60', '']) {
      backend.answer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(cacheControl && { 'cache-control': cacheControl }) });
        res.end('{"id":"u-1"}');
      });
      const before = backend.arrivals.length;
      expect((await get(h, { cache: true })).cacheStatus).toBe('fwd=miss');
      expect((await get(h, { cache: true })).cacheStatus).toBe('fwd=miss');
      expect(backend.arrivals.length - before).toBe(2);
    }
    expect(h.cacheStats().entries).toBe(0);
  });

  it('keeps within its byte bound, dropping the least recently used', async () => {
    const h = client({ cacheMaxBytes: 8 * 1024 });
    backend.answer((req, res) => cacheable('max-age=60', () => ({ path: req.url, pad: 'x'.repeat(1000) }))(req, res));
    for (let i = 0; i < 40; i++) await get(h, { cache: true }, 1000, undefined, `/users/u-${i}`);
    const { entries, bytes } = h.cacheStats();
    expect(bytes).toBeLessThanOrEqual(8 * 1024);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThan(40);
    // The newest is still there; the oldest is gone.
    expect((await get(h, { cache: true }, 1000, undefined, '/users/u-39')).cacheStatus).toMatch(/^hit/);
    expect((await get(h, { cache: true }, 1000, undefined, '/users/u-0')).cacheStatus).toBe('fwd=miss; stored');
  });

  it('drops an entry the service says is gone (404 on revalidation)', async () => {
    const h = client();
    let gone = false;
    backend.answer((req, res) => (gone ? json(res, 404, { title: 'no' }) : cacheable('max-age=1', () => ({ id: 'u-1' }))(req, res)));
    await get(h, { cache: true });
    await sleep(1100);
    gone = true;
    expect(await get(h, { cache: true })).toMatchObject({ kind: 'not_found' });
    expect(h.cacheStats().entries).toBe(0);
  });

  it('collapses concurrent misses into one request (and says so)', async () => {
    const h = client();
    backend.answer(async (req, res) => {
      await pause(res, 80);
      cacheable('max-age=60', () => ({ id: 'u-1' }))(req, res);
    });
    const answers = await Promise.all([get(h, { cache: true }), get(h, { cache: true })]);
    expect(backend.arrivals).toHaveLength(1);
    expect(answers.map((a) => a.cacheStatus)).toEqual(['fwd=miss; stored', 'fwd=miss; collapsed']);
  });
});
