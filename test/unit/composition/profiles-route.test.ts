// GET /profiles/{userId} and its summary through the whole app, against fake services.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { profileDeadlines } from '../../../api/profiles/profile-routes';
import { startComposedApi, type ComposedApi } from './composed-api';
import { delayed, eventually, hang, json, raw, startFakeBackend, type FakeBackend } from './fake-backend';

const user = (id: string) => ({ id, name: 'Grace Hopper', email: 'grace@example.com' });
const order = { orderId: 'o-9', total: { currency: 'EUR', value: 500 }, status: 'shipped', placedAt: '2025-03-01T08:00:00Z' };
const loyaltyOf = (userId: string) => ({ userId, points: 7100, tier: 'gold' });
const idIn = (url: string | undefined, at: number) => decodeURIComponent(url?.split(/[/?]/)[at] ?? '');

let users: FakeBackend;
let orders: FakeBackend;
let loyalty: FakeBackend;
let api: ComposedApi;

beforeAll(async () => {
  [users, orders, loyalty] = await Promise.all([startFakeBackend(), startFakeBackend(), startFakeBackend()]);
  api = await startComposedApi({
    baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url },
    deadlines: profileDeadlines(300),
    retry: { retries: 0 },
    breaker: { threshold: 1000 },
  });
});
afterAll(async () => {
  await api.stop();
  await Promise.all([users.close(), orders.close(), loyalty.close()]);
});
beforeEach(() => {
  users.answer((req, res) => json(res, 200, user(idIn(req.url, 2))));
  orders.answer((_req, res) => json(res, 200, { orders: [order] }));
  loyalty.answer((req, res) => json(res, 200, loyaltyOf(idIn(req.url, 2))));
  for (const b of [users, orders, loyalty]) b.arrivals.length = 0;
});

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const text = await response.text();
  // Nothing about the downstream services may leak.
  for (const b of [users, orders, loyalty]) expect(text).not.toContain(new URL(b.url).port);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|\bat .*\.ts:\d+/);
  return JSON.parse(text) as { status: number; type: string; detail: string; errors?: { path: string }[] };
}

describe('GET /profiles/{userId}', () => {
  it('says in Server-Timing how long each source took and why one did not answer, and the whole composition', async () => {
    users.answer(delayed(40, 200, user('u-1')));
    loyalty.answer((_req, res) => json(res, 503, { title: 'down' }));
    const response = await api.get('/profiles/u-1');
    expect(response.status).toBe(200);
    const entries: Record<string, Record<string, string>> = Object.fromEntries(
      (response.headers.get('server-timing') ?? '').split(', ').map((entry): [string, Record<string, string>] => {
        const [name = '', ...params] = entry.split(';');
        return [name, Object.fromEntries(params.map((p) => p.split('=') as [string, string]))];
      }),
    );
    expect(Object.keys(entries).sort()).toEqual(['loyalty', 'orderHistory', 'total', 'users']);
    expect(entries.loyalty).toMatchObject({ desc: 'unavailable' });
    expect(response.headers.get('baton-complete')).toBe('?0;missing="loyalty"');
    expect(entries.users?.desc).toBeUndefined();
    const dur = (name: string) => Number(entries[name]?.dur);
    expect(dur('users')).toBeGreaterThanOrEqual(40);
    // The whole composition lasted at least as long as its slowest source.
    expect(dur('total')).toBeGreaterThanOrEqual(Math.max(dur('users'), dur('orderHistory'), dur('loyalty')));
    // Cache-Status (RFC 9211), one member per source: the profile's sources do not cache.
    expect((response.headers.get('cache-status') ?? '').split(', ').sort()).toEqual([
      'baton-loyalty; fwd=bypass',
      'baton-orderHistory; fwd=bypass',
      'baton-users; fwd=bypass',
    ]);
  });

  it('answers the whole profile', async () => {
    const response = await api.get('/profiles/u-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: user('u-1'),
      recentOrders: [order],
      loyalty: loyaltyOf('u-1'),
      partial: false,
      errors: [],
    });
    expect(orders.arrivals[0]?.path).toBe('/users/u-1/orders?limit=10');
    expect(users.arrivals[0]?.headers['x-request-id']).toBeTruthy();
    expect(response.headers.get('baton-complete')).toBe('?1');
  });

  it('marks a failed optional source', async () => {
    loyalty.answer(raw(500, '{}'));
    orders.answer(raw(200, '{"orders": [{"orderId": 1}]}'));
    const response = await api.get('/profiles/u-1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: user('u-1'),
      recentOrders: null,
      loyalty: null,
      partial: true,
      errors: [
        { source: 'orderHistory', reason: 'bad_response' },
        { source: 'loyalty', reason: 'unavailable' },
      ],
    });
  });

  it('validates userId and names the field', async () => {
    const response = await api.get('/profiles/not%20an%20id');
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.errors?.map((e) => e.path)).toEqual(['param.userId']);
    expect(users.arrivals).toHaveLength(0);
  });

  it('needs a bearer token', async () => {
    expect((await api.get('/profiles/u-1', {})).status).toBe(401);
  });

  it('is 404 for a user the users service does not know', async () => {
    users.answer(raw(404, '{"title":"Not found"}'));
    const response = await api.get('/profiles/u-404');
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({ status: 404, detail: 'No user u-404.' });
  });

  it.each([
    ['5xx', raw(503, '{}'), 502],
    ['a malformed body', raw(200, '{"id":'), 502],
    ['a body of the wrong shape', raw(200, '{"id":"u-1"}'), 502],
  ] as const)('is %s -> %i when the users service answers that', async (_what, script, status) => {
    users.answer(script);
    const response = await api.get('/profiles/u-1');
    expect(response.status).toBe(status);
    expect(await problem(response)).toMatchObject({ status, type: 'https://baton.dev/problems/bad-gateway' });
  });

  it('is 502 when the users service cannot be reached', async () => {
    const gone = await startFakeBackend();
    const url = gone.url;
    await gone.close();
    const other = await startComposedApi({ baseUrls: { users: url, orderHistory: orders.url, loyalty: loyalty.url }, retry: { retries: 0 } });
    try {
      const response = await other.get('/profiles/u-1');
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).not.toContain(new URL(url).port);
    } finally {
      await other.stop();
    }
  });

  it('is 504 at the deadline when the users service is too slow', async () => {
    users.answer(hang);
    const started = performance.now();
    const response = await api.get('/profiles/u-1');
    const ms = performance.now() - started;
    expect(response.status).toBe(504);
    expect(await problem(response)).toMatchObject({ status: 504, type: 'https://baton.dev/problems/gateway-timeout' });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(600);
  });

  it('is 503 with Retry-After, not 504, when Baton itself was too busy to read the answer in time', async () => {
    // The users service answers at once, but this process (Baton's) is blocked for 500 ms before it
    // can read the answer: the 300 ms deadline fires late. Blaming the service with a 504 would be false.
    users.answer((req, res) => {
      const until = performance.now() + 500;
      while (performance.now() < until);
      json(res, 200, user(idIn(req.url, 2)));
    });
    const response = await api.get('/profiles/u-1');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await problem(response)).toMatchObject({ status: 503, type: 'https://baton.dev/problems/overloaded' });
  });
});

describe('GET /profiles/{userId}/summary', () => {
  it('asks order history and loyalty for the canonical id the users service gave', async () => {
    users.answer((_req, res) => json(res, 200, user('u-77')));
    const response = await api.get('/profiles/grace/summary?orders=2');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      userId: 'u-77',
      name: 'Grace Hopper',
      tier: 'gold',
      points: 7100,
      lastOrders: [order],
      partial: false,
      errors: [],
    });
    expect(users.arrivals[0]?.path).toBe('/users/grace');
    expect(orders.arrivals[0]?.path).toBe('/users/u-77/orders?limit=2');
    expect(loyalty.arrivals[0]?.path).toBe('/loyalty/u-77');
  });

  it('uses 3 orders by default and validates the query', async () => {
    await api.get('/profiles/u-1/summary');
    expect(orders.arrivals[0]?.path).toBe('/users/u-1/orders?limit=3');
    const response = await api.get('/profiles/u-1/summary?orders=0');
    expect(response.status).toBe(400);
    expect((await problem(response)).errors?.map((e) => e.path)).toEqual(['query.orders']);
  });

  it('answers partially when loyalty is slow', async () => {
    loyalty.answer(delayed(5000, 200, loyaltyOf('u-1')));
    const response = await api.get('/profiles/u-1/summary');
    expect(await response.json()).toMatchObject({ tier: null, points: null, partial: true, errors: [{ source: 'loyalty', reason: 'timeout' }] });
  });

  it('is 404 for an unknown user, without asking anyone else', async () => {
    users.answer(raw(404, '{}'));
    expect((await api.get('/profiles/u-0/summary')).status).toBe(404);
    expect(orders.arrivals).toHaveLength(0);
    expect(loyalty.arrivals).toHaveLength(0);
  });
});

describe('OpenAPI', () => {
  it('documents both routes with named schemas and their errors', async () => {
    const doc = (await (await api.get('/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const profile = doc.paths['/profiles/{userId}']?.get;
    const summary = doc.paths['/profiles/{userId}/summary']?.get;
    expect(profile?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Profile');
    expect(summary?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/ProfileSummary');
    for (const op of [profile, summary]) expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '404', '502', '503', '504']);
    expect(Object.keys(doc.components.schemas.Profile?.properties ?? {})).toEqual(['user', 'recentOrders', 'loyalty', 'partial', 'errors']);
    expect(doc.components.schemas.SourceError).toBeDefined();
  });
});

describe('load shedding on the composition routes', () => {
  it('answers 503 with Retry-After at once beyond the bound, without calling anyone, and serves again once a slot frees', async () => {
    const bounded = await startComposedApi(
      { baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url }, retry: { retries: 0 } },
      { config: { maxInflightCompositions: 2 } },
    );
    try {
      users.answer((req, res) => void setTimeout(() => json(res, 200, user(idIn(req.url, 2))), 200));
      const first = [bounded.get('/profiles/u-1'), bounded.get('/profiles/u-2/summary')];
      await eventually(() => users.arrivals.length === 2);

      const shed = await bounded.get('/profiles/u-3');
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toBe('1');
      const body = await problem(shed);
      expect(body.type).toMatch(/\/overloaded$/);
      expect(body.detail).toMatch(/composition requests/);
      expect(users.arrivals).toHaveLength(2);

      expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
      expect((await bounded.get('/profiles/u-3')).status).toBe(200);
    } finally {
      await bounded.stop();
    }
  });
});
