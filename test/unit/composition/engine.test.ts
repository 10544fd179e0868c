// The engine against fake services over real HTTP: concurrency, dependencies, deadlines, aborts.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compose, DownstreamHttp, runComposition, whenAborted, type RunOptions } from '../../../composition';
import { getLoyalty, getUser, listUserOrders } from '../../../composition/endpoints';
import { LoyaltyStatus, OrderSummary, User } from '../../../contracts';
import { delayed, eventually, hang, json, raw, startFakeBackend, type FakeBackend, type Script } from './fake-backend';

const user = (id: string) => ({ id, name: 'Ada Lovelace', email: 'ada@example.com' });
const order = { orderId: 'o-1', total: { currency: 'EUR', value: 1999 }, status: 'delivered', placedAt: '2025-01-01T10:00:00.000Z' };
const loyaltyOf = (userId: string) => ({ userId, points: 1200, tier: 'bronze' });

const Input = z.object({ userId: z.string() });
const Output = z.object({
  user: User,
  orders: z.array(OrderSummary).nullable(),
  loyalty: LoyaltyStatus.nullable(),
  partial: z.boolean(),
  errors: z.array(z.object({ source: z.string(), reason: z.string() })),
});

/** All three at once, users required, with the given budgets. */
const fanOutWithin = (name: string, budgets: { deadlineMs: number; requiredMs: number; optionalMs: number }) =>
  compose({ name, input: Input, deadlineMs: budgets.deadlineMs })
    .source('users', { endpoint: getUser, required: true, timeoutMs: budgets.requiredMs, request: ({ input }) => ({ params: { userId: input.userId } }) })
    .source('orderHistory', {
      endpoint: listUserOrders,
      timeoutMs: budgets.optionalMs,
      request: ({ input }) => ({ params: { userId: input.userId }, query: { limit: 5 } }),
      select: (body) => body.orders,
    })
    .source('loyalty', { endpoint: getLoyalty, timeoutMs: budgets.optionalMs, request: ({ input }) => ({ params: { userId: input.userId } }) })
    .output(Output, (v, meta) => ({ user: v.users, orders: v.orderHistory, loyalty: v.loyalty, ...meta }));

/** Optional sources get 150 ms. */
const fanOut = fanOutWithin('fan-out', { deadlineMs: 400, requiredMs: 300, optionalMs: 150 });
/** Budgets no busy machine reaches: for what does not depend on time. */
const unhurried = fanOutWithin('fan-out-unhurried', { deadlineMs: 10_000, requiredMs: 10_000, optionalMs: 10_000 });

/** Loyalty and orders are asked for the canonical id the users service answers with. */
const chained = compose({ name: 'chained', input: Input, deadlineMs: 400 })
  .source('users', { endpoint: getUser, required: true, timeoutMs: 300, request: ({ input }) => ({ params: { userId: input.userId } }) })
  .source('loyalty', { endpoint: getLoyalty, after: ['users'], timeoutMs: 150, request: ({ users }) => ({ params: { userId: users.id } }) })
  .source('orderHistory', {
    endpoint: listUserOrders,
    after: ['users', 'loyalty'],
    timeoutMs: 150,
    request: ({ users, loyalty }) => ({ params: { userId: users.id }, query: { limit: loyalty.tier === 'gold' ? 10 : 2 } }),
    select: (body) => body.orders,
  })
  .output(Output, (v, meta) => ({ user: v.users, orders: v.orderHistory, loyalty: v.loyalty, ...meta }));

let users: FakeBackend;
let orders: FakeBackend;
let loyalty: FakeBackend;
let http: DownstreamHttp;

const fine = {
  users: ((req, res) => json(res, 200, user(decodeURIComponent(req.url?.split('/')[2] ?? '')))) satisfies Script,
  orders: ((_req, res) => json(res, 200, { orders: [order] })) satisfies Script,
  loyalty: ((req, res) => json(res, 200, loyaltyOf(decodeURIComponent(req.url?.split('/')[2] ?? '')))) satisfies Script,
};

beforeAll(async () => {
  [users, orders, loyalty] = await Promise.all([startFakeBackend(), startFakeBackend(), startFakeBackend()]);
});
afterAll(async () => {
  await Promise.all([users.close(), orders.close(), loyalty.close()]);
});
beforeEach(async () => {
  await http?.close();
  // No retries and a breaker that never opens: these tests are about orchestration.
  http = new DownstreamHttp({
    baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url },
    retry: { retries: 0 },
    breaker: { threshold: 1000 },
  });
  for (const b of [users, orders, loyalty]) {
    b.arrivals.length = 0;
    b.aborted = 0;
  }
  users.answer(fine.users);
  orders.answer(fine.orders);
  loyalty.answer(fine.loyalty);
});

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

const run = (options: Partial<RunOptions> = {}, userId = 'u-1') => runComposition(fanOut, { userId }, { http, ...options });

describe('runComposition', () => {
  it("makes each source's calls as the source declares: cached users answered from the cache, Cache-Status per source", async () => {
    const cachedUsers = compose({ name: 'cached', input: Input, deadlineMs: 5000 })
      .source('users', { endpoint: getUser, required: true, timeoutMs: 5000, cache: true, request: ({ input }) => ({ params: { userId: input.userId } }) })
      .source('loyalty', { endpoint: getLoyalty, timeoutMs: 5000, request: ({ input }) => ({ params: { userId: input.userId } }) })
      .output(Output, (v, meta) => ({ user: v.users, orders: null, loyalty: v.loyalty, ...meta }));
    users.answer((req, res) => {
      const text = JSON.stringify(user('u-1'));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(text);
    });
    const statuses: Record<string, string | undefined>[] = [];
    for (let i = 0; i < 2; i++) {
      const seen: Record<string, string | undefined> = {};
      const outcome = await runComposition(cachedUsers, { userId: 'u-1' }, { http, onSourceAnswered: (source, _ms, _result, cache) => (seen[source] = cache) });
      expect(outcome).toMatchObject({ ok: true, value: { user: user('u-1'), partial: false } });
      statuses.push(seen);
    }
    expect(statuses[0]).toEqual({ users: 'fwd=miss; stored', loyalty: undefined });
    expect(statuses[1]?.users).toMatch(/^hit; ttl=(59|60)$/);
    expect(users.arrivals).toHaveLength(1);
    expect(loyalty.arrivals).toHaveLength(2);
  });

  it('merges every source when all answer, calling them concurrently', async () => {
    // No source answers before all three have been asked: calls made one after another would wait
    // for ever (until the deadline) for an answer that needs the next call first.
    let release!: () => void;
    const allAsked = new Promise<void>((resolve) => (release = resolve));
    const asked = new Set<FakeBackend>();
    const afterAll3 =
      (backend: FakeBackend, body: unknown): Script =>
      async (_req, res) => {
        asked.add(backend);
        if (asked.size === 3) release();
        await allAsked;
        json(res, 200, body);
      };
    users.answer(afterAll3(users, user('u-1')));
    orders.answer(afterAll3(orders, { orders: [order] }));
    loyalty.answer(afterAll3(loyalty, loyaltyOf('u-1')));
    expect(await runComposition(unhurried, { userId: 'u-1' }, { http })).toEqual({
      ok: true,
      value: { user: user('u-1'), orders: [order], loyalty: loyaltyOf('u-1'), partial: false, errors: [] },
    });
    expect(orders.arrivals[0]?.path).toBe('/users/u-1/orders?limit=5');
  });

  it.each([
    ['orderHistory', () => orders, 'orders'],
    ['loyalty', () => loyalty, 'loyalty'],
  ] as const)('%s timing out: null, partial, reason timeout, the call hung up on', async (source, backend, field) => {
    backend().answer(hang);
    const { result, ms } = await timed(() => run());
    expect(result).toMatchObject({ ok: true, value: { [field]: null, partial: true, errors: [{ source, reason: 'timeout' }] } });
    // Its own 150 ms budget, not the 400 ms deadline.
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(350);
    await eventually(() => backend().aborted === 1);
  });

  it.each([
    ['5xx', raw(503, '{"title":"down"}'), 'unavailable'],
    ['an unparseable body', raw(200, '{"malformed": tru'), 'bad_response'],
    ['a body of the wrong shape', raw(200, '{"unexpected":["not","the","contract"]}'), 'bad_response'],
    ['a status outside the contract', raw(418, '{}'), 'bad_response'],
  ] as const)('an optional source answering %s is null with reason %s', async (_what, script, reason) => {
    loyalty.answer(script);
    orders.answer(script);
    const result = await run();
    expect(result).toEqual({
      ok: true,
      value: {
        user: user('u-1'),
        orders: null,
        loyalty: null,
        partial: true,
        errors: [
          { source: 'orderHistory', reason },
          { source: 'loyalty', reason },
        ],
      },
    });
  });

  it('treats a 404 where the endpoint allows one as "nothing there", not as a failure', async () => {
    loyalty.answer(raw(404, '{"title":"Not found"}'));
    expect(await run()).toMatchObject({ ok: true, value: { loyalty: null, partial: false, errors: [] } });
    // Order history promises no 404.
    orders.answer(raw(404, '{"title":"Not found"}'));
    expect(await run()).toMatchObject({ ok: true, value: { orders: null, errors: [{ source: 'orderHistory', reason: 'bad_response' }] } });
  });

  it('fails with not_found when the required source finds nothing, aborting the others', async () => {
    users.answer(delayed(30, 404, { title: 'Not found' }));
    orders.answer(hang);
    loyalty.answer(hang);
    const { result, ms } = await timed(() => run());
    expect(result).toEqual({ ok: false, source: 'users', reason: 'not_found' });
    expect(ms).toBeLessThan(130);
    await eventually(() => orders.aborted === 1 && loyalty.aborted === 1);
  });

  it.each([
    ['5xx', raw(500, '{}'), 'unavailable'],
    ['an unparseable body', raw(200, 'not json'), 'bad_response'],
    ['a user of the wrong shape', raw(200, '{"id":1}'), 'bad_response'],
  ] as const)('fails at once when the required source answers %s, aborting outstanding calls', async (_what, script, reason) => {
    users.answer(async (req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      await script(req, res);
    });
    orders.answer(hang);
    loyalty.answer(hang);
    const { result, ms } = await timed(() => run());
    expect(result).toEqual({ ok: false, source: 'users', reason });
    expect(ms).toBeLessThan(130);
    await eventually(() => orders.aborted === 1 && loyalty.aborted === 1);
  });

  it('answers at the deadline when the required source is slower, not when it finally answers', async () => {
    users.answer(delayed(2000, 200, user('u-1')));
    const { result, ms } = await timed(() => run({ deadlineMs: 200 }));
    expect(result).toEqual({ ok: false, source: 'users', reason: 'timeout' });
    expect(ms).toBeGreaterThanOrEqual(195);
    expect(ms).toBeLessThan(350);
    await eventually(() => users.aborted === 1);
  });

  it('at the deadline, gives up on optional sources still running', async () => {
    loyalty.answer(hang);
    const { result, ms } = await timed(() => run({ deadlineMs: 80 }));
    expect(result).toMatchObject({ ok: true, value: { loyalty: null, errors: [{ source: 'loyalty', reason: 'timeout' }] } });
    expect(ms).toBeLessThan(200);
    await eventually(() => loyalty.aborted === 1);
  });

  it('answers a deadline our own blocked event loop missed as overloaded, without holding it against the service', async () => {
    const strict = new DownstreamHttp({
      baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url },
      retry: { retries: 0 },
      breaker: { threshold: 1 },
    });
    try {
      users.answer(delayed(5, 200, user('u-1')));
      const blocked = runComposition(fanOut, { userId: 'u-1' }, { http: strict, deadlineMs: 50 });
      const until = performance.now() + 300;
      while (performance.now() < until);
      expect(await blocked).toEqual({ ok: false, source: 'users', reason: 'overloaded' });
      expect(strict.circuitStates().users).toBe('closed');

      // A deadline met on time is the service's: a 504, and it counts. On a busy machine a timer may
      // still fire late (then it is `overloaded` again and does not count): try until one is on time.
      users.answer(hang);
      let outcome: unknown;
      for (let i = 0; i < 10 && strict.circuitStates().users === 'closed'; i++) {
        outcome = await runComposition(fanOut, { userId: 'u-1' }, { http: strict, deadlineMs: 50 });
      }
      expect(outcome).toEqual({ ok: false, source: 'users', reason: 'timeout' });
      expect(strict.circuitStates().users).toBe('open');
    } finally {
      await strict.close();
    }
  });

  it('lets go of every call when the client goes away', async () => {
    users.answer(hang);
    loyalty.answer(hang);
    const client = new AbortController();
    setTimeout(() => client.abort(), 30);
    expect(await run({ clientGone: whenAborted(client.signal) })).toEqual({ ok: false, source: undefined, reason: 'cancelled' });
    await eventually(() => users.aborted === 1 && loyalty.aborted === 1);
  });

  it('passes the given headers on to every call', async () => {
    await run({ headers: { 'x-request-id': 'req-42' } });
    for (const b of [users, orders, loyalty]) expect(b.arrivals[0]?.headers['x-request-id']).toBe('req-42');
  });

  it('rejects, rather than guessing, when the merge itself throws (a bug in the composition)', async () => {
    const broken = compose({ name: 'broken', input: Input, deadlineMs: 200 })
      .source('users', { endpoint: getUser, timeoutMs: 100, request: ({ input }) => ({ params: { userId: input.userId } }) })
      .output(z.object({}), () => {
        throw new Error('merge bug');
      });
    await expect(runComposition(broken, { userId: 'u-1' }, { http })).rejects.toThrow('merge bug');
  });

  describe('dependencies', () => {
    it('starts a dependent call as soon as what it needs has arrived, with values from it', async () => {
      users.answer(delayed(80, 200, user('canon-7')));
      loyalty.answer(delayed(40, 200, { userId: 'canon-7', points: 9000, tier: 'gold' }));
      const result = await runComposition(chained, { userId: 'alias-of-7' }, { http });
      expect(result).toMatchObject({ ok: true, value: { user: { id: 'canon-7' }, loyalty: { tier: 'gold' }, orders: [order], partial: false } });
      expect(users.arrivals[0]?.path).toBe('/users/alias-of-7');
      expect(loyalty.arrivals[0]?.path).toBe('/loyalty/canon-7');
      expect(orders.arrivals[0]?.path).toBe('/users/canon-7/orders?limit=10');
      const usersAnswered = (users.arrivals[0]?.at ?? 0) + 80;
      const loyaltyAnswered = (loyalty.arrivals[0]?.at ?? 0) + 40;
      expect(loyalty.arrivals[0]?.at).toBeGreaterThanOrEqual(usersAnswered - 5);
      expect(loyalty.arrivals[0]?.at).toBeLessThan(usersAnswered + 40);
      expect(orders.arrivals[0]?.at).toBeGreaterThanOrEqual(loyaltyAnswered - 5);
    });

    it('never calls dependents of a required source that failed', async () => {
      users.answer(raw(404, '{}'));
      expect(await runComposition(chained, { userId: 'nobody' }, { http })).toEqual({ ok: false, source: 'users', reason: 'not_found' });
      await new Promise((r) => setTimeout(r, 30));
      expect(loyalty.arrivals).toHaveLength(0);
      expect(orders.arrivals).toHaveLength(0);
    });

    it('fails a dependent with the reason of the optional source it waited for', async () => {
      loyalty.answer(raw(503, '{}'));
      const result = await runComposition(chained, { userId: 'u-1' }, { http });
      expect(result).toMatchObject({
        ok: true,
        value: {
          loyalty: null,
          orders: null,
          partial: true,
          errors: [
            { source: 'loyalty', reason: 'unavailable' },
            { source: 'orderHistory', reason: 'unavailable' },
          ],
        },
      });
      expect(orders.arrivals).toHaveLength(0);
    });

    it('leaves a dependent empty, without an error, when what it waited for does not exist', async () => {
      loyalty.answer(raw(404, '{}'));
      const result = await runComposition(chained, { userId: 'u-1' }, { http });
      expect(result).toMatchObject({ ok: true, value: { loyalty: null, orders: null, partial: false, errors: [] } });
    });
  });
});
