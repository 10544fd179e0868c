// The headers every response carries (request ID, Hono's secure headers) and the composition's own, both where
// the API sets them on Node's response (served over HTTP) and where it falls back to Hono's (app.request()).
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestIds } from '../../../api/http/middleware/request-id';
import { SECURE_HEADERS, secureResponseHeaders } from '../../../api/http/middleware/secure-headers';
import { setResponseHeader } from '../../../api/http/node-response';
import { profileDeadlines } from '../../../api/profiles/profile-routes';
import { startComposedApi, TOKEN, type ComposedApi } from '../composition/composed-api';
import { eventually, hang, json, startFakeBackend, type FakeBackend } from '../composition/fake-backend';

const ownHeaders = (res: Response) =>
  [...res.headers].filter(([name]) => !['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(name));
const lower = (pairs: readonly (readonly [string, string])[]) => pairs.map(([n, v]) => [n.toLowerCase(), v]).sort();

function expectSecureHeaders(res: Response) {
  for (const [name, value] of SECURE_HEADERS) expect(res.headers.get(name), name).toBe(value);
}

it("sets exactly Hono's secureHeaders() defaults", async () => {
  const hono = new Hono().use(secureHeaders()).get('/', (c) => c.text('ok'));
  expect(lower(SECURE_HEADERS)).toEqual(lower(ownHeaders(await hono.request('/'))));
});

/** A small app with Baton's header middleware: one route that sets its own X-Frame-Options, one that returns a raw Response. */
function probeApp() {
  return new Hono()
    .use(requestIds())
    .use(secureResponseHeaders())
    .get('/own', (c) => {
      setResponseHeader(c, 'X-Frame-Options', 'DENY');
      return c.json({ ok: true });
    })
    .get('/raw', () => new Response('raw', { headers: { 'content-type': 'text/plain' } }))
    .get('/id', (c) => c.text(c.get('requestId')));
}

describe.each([
  ['served by Node', 'node'],
  ['through app.request()', 'fetch'],
] as const)('header middleware %s', (_, mode) => {
  let server: ServerType | undefined;
  let get: (path: string, headers?: Record<string, string>) => Promise<Response>;
  beforeAll(async () => {
    const app = probeApp();
    if (mode === 'fetch') {
      get = async (path, headers) => app.request(path, { headers });
      return;
    }
    const url = await new Promise<string>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
    });
    get = (path, headers) => fetch(url + path, { headers });
  });
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('keeps a header the route set itself', async () => {
    const res = await get('/own');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('puts the secure headers on a Response the route built itself', async () => {
    expectSecureHeaders(await get('/raw'));
  });

  it('keeps a keepable X-Request-Id and replaces one that is not', async () => {
    const kept = await get('/id', { 'x-request-id': 'client-id_42=' });
    expect(kept.headers.get('x-request-id')).toBe('client-id_42=');
    expect(await kept.text()).toBe('client-id_42=');
    for (const bad of ['has space', 'x'.repeat(256), 'semi;colon']) {
      const replaced = await get('/id', { 'x-request-id': bad });
      const id = replaced.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await replaced.text()).toBe(id);
    }
  });
});

describe('the API over HTTP', () => {
  let users: FakeBackend;
  let orders: FakeBackend;
  let loyalty: FakeBackend;
  let api: ComposedApi;
  beforeAll(async () => {
    [users, orders, loyalty] = await Promise.all([startFakeBackend(), startFakeBackend(), startFakeBackend()]);
    users.answer((_req, res) => json(res, 200, { id: 'u-1', name: 'Grace Hopper', email: 'grace@example.com' }));
    orders.answer((_req, res) => json(res, 200, { orders: [] }));
    loyalty.answer((_req, res) => json(res, 503, {}));
    api = await startComposedApi({
      baseUrls: { users: users.url, orderHistory: orders.url, loyalty: loyalty.url },
      retry: { retries: 0 },
      deadlines: profileDeadlines(5000),
    });
  });
  afterAll(async () => {
    await api.stop();
    await Promise.all([users.close(), orders.close(), loyalty.close()]);
  });

  it("gives a composition's answer the request ID, the secure headers and its own headers, each once", async () => {
    const res = await api.get('/profiles/u-1');
    expect(res.status).toBe(200);
    expectSecureHeaders(res);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const timings = (res.headers.get('server-timing') ?? '').split(', ').sort();
    expect(timings).toEqual([
      expect.stringMatching(/^loyalty;desc=unavailable;dur=[\d.]+$/),
      expect.stringMatching(/^orderHistory;dur=[\d.]+$/),
      expect.stringMatching(/^total;dur=[\d.]+$/),
      expect.stringMatching(/^users;dur=[\d.]+$/),
    ]);
    expect(res.headers.get('baton-complete')).toBe('?0;missing="loyalty"');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // A header sent twice reaches fetch as one, its values joined by ", ": the exact values above would show it.
    expect((await res.json()) as { partial: boolean }).toMatchObject({ partial: true });
  });

  it('gives problems (401, 404) the request ID and the secure headers too', async () => {
    for (const res of [await api.get('/profiles/u-1', {}), await api.get('/nope')]) {
      expect([401, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expectSecureHeaders(res);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await res.json()) as { status: number }).status).toBe(res.status);
    }
  });

  it("lets go of the downstream calls as soon as the client hangs up, long before the sources' own timeouts", async () => {
    for (const b of [users, orders, loyalty]) {
      b.answer(hang);
      b.aborted = 0;
      b.arrivals.length = 0;
    }
    const client = new AbortController();
    const asked = fetch(`${api.url}/profiles/u-1`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: client.signal });
    await eventually(() => users.arrivals.length > 0 && orders.arrivals.length > 0 && loyalty.arrivals.length > 0);
    const hungUpAt = performance.now();
    client.abort();
    await expect(asked).rejects.toThrow();
    await eventually(() => users.aborted === 1 && orders.aborted === 1 && loyalty.aborted === 1);
    // The sources' timeouts (500 ms at the shortest) would have cut them too: the hang-up must have, at once.
    expect(performance.now() - hungUpAt).toBeLessThan(250);
  });
});
