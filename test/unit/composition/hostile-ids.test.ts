// No ID, from a client or from a downstream answer, reaches a downstream path other than the one its
// endpoint names: clients' IDs are refused at the edge, and what services answer is encoded as one
// segment or, when no segment can hold it, treated as that service's bad answer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compilePath } from '../../../composition/url-template';
import { UnsafePathSegmentError } from '../../../lib/url-path';
import { startComposedApi, type ComposedApi } from './composed-api';
import { json, startFakeBackend, type FakeBackend } from './fake-backend';

describe('compilePath', () => {
  const build = compilePath('/loyalty/{userId}');

  it.each(['', '.', '..', '\uD800'])('refuses %j, which no path segment can hold', (value) => {
    expect(() => build({ userId: value })).toThrow(UnsafePathSegmentError);
  });

  it.each([
    ['../admin', '/loyalty/..%2Fadmin'],
    ['a/b?c=1#d', '/loyalty/a%2Fb%3Fc%3D1%23d'],
    ['%2e%2e', '/loyalty/%252e%252e'],
    ['...', '/loyalty/...'],
    ['a b', '/loyalty/a%20b'],
  ])('keeps %j in one segment', (value, path) => {
    expect(build({ userId: value })).toBe(path);
  });
});

describe('GET /profiles/{userId}/summary with a users service that answers hostile IDs', () => {
  let users: FakeBackend;
  let orders: FakeBackend;
  let loyalty: FakeBackend;
  let api: ComposedApi;
  let canonicalId = 'u-1';

  beforeAll(async () => {
    [users, orders, loyalty] = await Promise.all([
      startFakeBackend((_req, res) => json(res, 200, { id: canonicalId, name: 'Mallory', email: 'm@example.com' })),
      startFakeBackend((_req, res) => json(res, 200, { orders: [] })),
      startFakeBackend((_req, res) => json(res, 200, { userId: canonicalId, points: 1, tier: 'gold' })),
    ]);
    api = await startComposedApi({
      baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url },
      retry: { retries: 0 },
      breaker: { threshold: 1000 },
    });
  });
  afterAll(async () => {
    await api.stop();
    await Promise.all([users.close(), orders.close(), loyalty.close()]);
  });
  beforeEach(() => {
    for (const b of [users, orders, loyalty]) b.arrivals.length = 0;
  });

  it.each(['../admin', '../../__admin/faults', 'a/b?limit=1000#x', '%2e%2e%2fadmin', '...'])('sends %j to each service as one path segment', async (id) => {
    canonicalId = id;
    const res = await api.get('/profiles/u-1/summary');
    expect(res.status).toBe(200);
    expect(orders.arrivals.map((a) => a.path)).toEqual([`/users/${encodeURIComponent(id)}/orders?limit=3`]);
    expect(loyalty.arrivals.map((a) => a.path)).toEqual([`/loyalty/${encodeURIComponent(id)}`]);
  });

  it.each(['..', '.'])('calls no one with %j, and reports those sources as a bad response', async (id) => {
    canonicalId = id;
    const res = await api.get('/profiles/u-1/summary');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partial: boolean; errors: { source: string; reason: string }[] };
    expect(body.partial).toBe(true);
    expect(
      body.errors
        .filter((e) => e.reason === 'bad_response')
        .map((e) => e.source)
        .sort(),
    ).toEqual(['loyalty', 'orderHistory']);
    expect([...orders.arrivals, ...loyalty.arrivals]).toEqual([]);
  });

  it('refuses a client ID outside the rules before calling anyone', async () => {
    for (const path of ['/profiles/..%2Fadmin', '/profiles/a%2Fb/summary', '/profiles/%2e%2e%2fx', '/profiles/a%20b']) {
      const res = await api.get(path);
      expect(res.status, path).toBe(400);
      expect((await res.json()) as { errors: { path: string }[] }).toMatchObject({ errors: [{ path: 'param.userId' }] });
    }
    expect(users.arrivals).toEqual([]);
  });
});
