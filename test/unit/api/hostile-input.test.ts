// Every route of the served OpenAPI document under hostile input (fast-check), through the whole app
// over real HTTP with fake downstream services and a fake Temporal that answers at once. A route added
// tomorrow is in the document, so it is covered here without a line of this file changing.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../../contracts/ids';
import {
  encodeAll,
  expectSafeAnswer,
  headerSafe,
  NASTY_STRINGS,
  requestsFor,
  resolve,
  routeName,
  routesOf,
  sendRaw,
  toJson,
  validValue,
  type JsonSchema,
  type OpenApiDocument,
  type RawResponse,
  type Route,
} from '../../support/hostile-requests';
import { startComposedApi, TOKEN } from '../composition/composed-api';
import { json, startFakeBackend } from '../composition/fake-backend';
import { callbackQuery } from '../../support/api';
import { fakeTemporal } from './fake-temporal';

const BODY_LIMIT = 8 * 1024;
const WEBHOOK_SECRET = 'unit-test-webhook-secret-0123';
const RUNS = 40;
const PROPERTY_TIMEOUT = 30_000;

const lastSegment = (url: string | undefined) => decodeURIComponent((url ?? '').split('?')[0]?.split('/')[2] ?? '');
const [users, orderHistory, loyalty] = await Promise.all([
  startFakeBackend((req, res) => json(res, 200, { id: lastSegment(req.url), name: 'Grace Hopper', email: 'grace@example.com' })),
  startFakeBackend((_req, res) => json(res, 200, { orders: [] })),
  startFakeBackend((req, res) => json(res, 200, { userId: lastSegment(req.url), points: 10, tier: 'gold' })),
]);
const fake = fakeTemporal();
const api = await startComposedApi(
  { baseUrls: { users: users.url, orderHistory: orderHistory.url, loyalty: loyalty.url }, retry: { retries: 0 }, breaker: { threshold: 1_000_000 } },
  // No localhost anywhere in what the app may legitimately answer, so any that shows up is a leak.
  { temporal: fake.temporal, config: { bodyLimitBytes: BODY_LIMIT, temporalUiUrl: 'https://temporal-ui.example', webhookSecrets: [WEBHOOK_SECRET] } },
);
const doc = JSON.parse((await sendRaw(api.url, { method: 'GET', path: '/openapi.json' })).text) as OpenApiDocument;
const routes = routesOf(doc);
const secrets = [users.url, orderHistory.url, loyalty.url, ...[users, orderHistory, loyalty].map((b) => new URL(b.url).host)];
const auth = { authorization: `Bearer ${TOKEN}` };

afterAll(async () => {
  await api.stop();
  await Promise.all([users.close(), orderHistory.close(), loyalty.close()]);
});

/** The route's path with a plain, valid value in every parameter. */
const concretePath = (route: Route) =>
  route.path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === 'workflowId' ? 'welcome-u-1-k1' : name === 'id' ? 'order-ord-1' : 'x-1'));
/** A body the route accepts (first value fast-check draws from the schema), or none. */
const validBody = (route: Route) => (route.body ? toJson(fc.sample(validValue(doc, route.body), { numRuns: 1, seed: 1 })[0]) : undefined);

function expectProblem(res: RawResponse, status: number, type?: string) {
  expect(res.status, res.text.slice(0, 300)).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as { type: string; status: number; errors?: { path: string; message: string }[] };
  expect(body.status).toBe(status);
  if (type) expect(body.type).toMatch(new RegExp(`/${type}$`));
  return body;
}

it('finds the routes in the served OpenAPI document', () => {
  expect(routes.length).toBeGreaterThan(20);
  expect(routes.map(routeName)).toEqual(expect.arrayContaining(['POST /orders', 'GET /orders/{orderId}', 'GET /profiles/{userId}', 'POST /webhooks/payments']));
});

describe.each(routes.map((r) => [routeName(r), r] as const))('%s', (_, route) => {
  it(
    'answers any request without a 5xx, a stack trace, a host or a downstream URL; errors are problem+json naming real fields',
    async () => {
      await fc.assert(
        fc.asyncProperty(requestsFor(doc, route, { token: TOKEN }), async (req) => {
          expectSafeAnswer(req, await sendRaw(api.url, req), { secrets });
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe('hostile JSON', () => {
  it('never pollutes Object.prototype', () => {
    // Runs after the property tests above, which sent "__proto__" and "constructor" keys to every body route.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  const bodyRoutes = routes.filter((r) => r.body);
  it.each(bodyRoutes.map((r) => [routeName(r), r] as const))('%s: malformed JSON is a 400', async (_, route) => {
    for (const body of ['{"orderId":', '{orderId: 1}', "{'a':1}", '[1,]', '\u0000', '{"a":1}}']) {
      const res = await sendRaw(api.url, { method: route.method, path: concretePath(route), headers: { ...auth, 'content-type': 'application/json' }, body });
      expectProblem(res, 400, 'malformed-json');
    }
  });

  it.each(routes.filter((r) => r.method !== 'GET').map((r) => [routeName(r), r] as const))('%s: a body over the limit is a 413', async (_, route) => {
    const padding = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) });
    const sized = { ...auth, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(padding)) };
    expectProblem(await sendRaw(api.url, { method: route.method, path: concretePath(route), headers: sized, body: padding }), 413);
    // Without a Content-Length (chunked), the limit holds while the body streams in.
    const chunked = { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' };
    expectProblem(await sendRaw(api.url, { method: route.method, path: concretePath(route), headers: chunked, body: padding }), 413);
  });
});

describe('routes and methods', () => {
  const templates = Object.keys(doc.paths).map((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`));
  const known = (path: string) => templates.some((t) => t.test(path.split('?')[0] ?? '')) || path.startsWith('/docs');

  it('answers an unknown route with 404 problem+json', async () => {
    const unknownPath = fc
      .tuple(fc.constantFrom('/', '/orders/', '/nope/', '/workflows/', '/ORDERS/', '/profiles/u-1/', '//'), fc.constantFrom(...NASTY_STRINGS, 'x', 'a/b/c'))
      .map(([prefix, rest]) => prefix + encodeAll(rest))
      .filter((path) => !known(path));
    await fc.assert(
      fc.asyncProperty(unknownPath, async (path) => {
        expectProblem(await sendRaw(api.url, { method: 'GET', path, headers: auth }), 404);
      }),
      { numRuns: 60 },
    );
  });

  it('answers a method a path does not have with 404 or 405 problem+json', async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      const concrete = concretePath({ path } as Route);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        if (method.toLowerCase() in operations) continue;
        const res = await sendRaw(api.url, {
          method,
          path: concrete,
          headers: { ...auth, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
        });
        expect([404, 405], `${method} ${path}`).toContain(res.status);
        expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
      }
    }
  });
});

describe('authentication', () => {
  // The contract's public routes; every other route in the document needs a bearer token.
  const PUBLIC = ['GET /healthz', 'GET /readyz'];
  const protectedRoutes = routes.filter((r) => !PUBLIC.includes(routeName(r)));

  it('serves the public routes without a token', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await sendRaw(api.url, { method: 'GET', path })).status, path).toBe(200);
    }
    // The document marks every other route as needing the bearer scheme.
    expect(
      routes
        .filter((r) => !r.secured)
        .map(routeName)
        .sort(),
    ).toEqual([...PUBLIC].sort());
  });

  const badCredentials: [string, Record<string, string>][] = [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token with more after it', { authorization: `Bearer ${TOKEN}x` }],
    ['another scheme', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];
  it.each(protectedRoutes.map((r) => [routeName(r), r] as const))('%s: 401 without a valid token', async (_, route) => {
    const body = validBody(route);
    for (const [what, headers] of badCredentials) {
      const res = await sendRaw(api.url, {
        method: route.method,
        path: concretePath(route),
        headers: { ...headers, ...(body && { 'content-type': 'application/json' }) },
        body,
      });
      expect(res.status, what).toBe(401);
      expect(res.headers['www-authenticate'], what).toMatch(/^Bearer/);
      expectProblem(res, 401, 'unauthorized');
    }
  });

  it('lets the payment webhook in with the token signed for its order instead of a bearer token', async () => {
    const event = JSON.stringify({ paymentId: 'pay-1', orderId: 'ord-1', status: 'cleared' });
    const path = `/webhooks/payments${callbackQuery(WEBHOOK_SECRET, 'ord-1')}`;
    // Past auth: the fake Temporal knows no such order.
    expectProblem(await sendRaw(api.url, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: event }), 404);
    const forAnother = `/webhooks/payments${callbackQuery(WEBHOOK_SECRET, 'ord-2', { orderId: 'ord-1' })}`;
    expectProblem(await sendRaw(api.url, { method: 'POST', path: forAnother, headers: { 'content-type': 'application/json' }, body: event }), 401);
  });
});

describe('IDs', () => {
  const isIdSchema = (s: JsonSchema | undefined) => !!s?.pattern?.includes('A-Za-z0-9._:-');
  /** Values no ID rule accepts, even after HTTP trims a header. */
  const badId = fc
    .oneof(
      fc.constantFrom('../admin', '..', '.', 'a/b', '%2F', 'a%b', 'a b', 'a\u0000b', '-a', '_a', 'ä', '😀', 'x'.repeat(301), 'welcome-a/b', 'order-..%2F'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    )
    .filter((v) => !ID_PATTERN.test(v) || v.length > 300);

  const idParams = routes.flatMap((route) =>
    route.params.filter((p) => isIdSchema(p.schema)).map((p) => [`${routeName(route)} ${p.in} ${p.name}`, route, p] as const),
  );
  it('restricts every ID parameter of the document', () => {
    // orderId, userId, customerId, workflow IDs, the idempotency key; more appear by themselves.
    expect(new Set(idParams.map(([, , p]) => p.name))).toEqual(new Set(['orderId', 'userId', 'customerId', 'workflowId', 'id', 'idempotency-key']));
  });

  it.each(idParams)('%s: 400 naming it for an ID outside the rules', async (_, route, param) => {
    const body = validBody(route);
    const field = `${{ path: 'param', query: 'query', header: 'header', cookie: 'cookie' }[param.in]}.${param.name}`;
    const ids = param.in === 'header' ? badId.map(headerSafe).filter((v) => v.trim() !== '' && (!ID_PATTERN.test(v.trim()) || v.length > 300)) : badId;
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        let path = concretePath(route);
        const headers: Record<string, string> = { ...auth, ...(body && { 'content-type': 'application/json' }) };
        if (param.in === 'path') path = route.path.replace(`{${param.name}}`, encodeAll(id)).replace(/\{[^}]+\}/g, 'x-1');
        if (param.in === 'query') path += `?${param.name}=${encodeAll(id)}`;
        if (param.in === 'header') headers[param.name] = id;
        const res = await sendRaw(api.url, { method: route.method, path, headers, body });
        // "." and ".." are path syntax: the server resolves them before routing, so they reach another route
        // (`/profiles/./summary` is the profile of a user called "summary"), never this one with a dot as its ID.
        if (param.in === 'path' && (id === '.' || id === '..')) {
          expect(res.status).toBeLessThan(500);
          return;
        }
        const problem = expectProblem(res, 400, 'validation');
        expect(problem.errors?.map((e) => e.path)).toContain(field);
      }),
      { numRuns: 25 },
    );
  });

  const idFields = routes.flatMap((route) => {
    const props = route.body ? (resolve(doc, route.body).properties ?? {}) : {};
    return Object.entries(props)
      .filter(([, s]) => isIdSchema(resolve(doc, s)))
      .map(([name]) => [`${routeName(route)} body ${name}`, route, name] as const);
  });
  it.each(idFields)('%s: 400 naming it for an ID outside the rules', async (_, route, name) => {
    const valid = JSON.parse(validBody(route) ?? '{}') as Record<string, unknown>;
    await fc.assert(
      fc.asyncProperty(badId, async (id) => {
        const body = JSON.stringify({ ...valid, [name]: id });
        const res = await sendRaw(api.url, { method: route.method, path: concretePath(route), headers: { ...auth, 'content-type': 'application/json' }, body });
        const problem = expectProblem(res, 400, 'validation');
        expect(problem.errors?.map((e) => e.path)).toContain(name);
      }),
      { numRuns: 15 },
    );
  });

  it('never lets a client request ID outside the rules into a workflow ID', async () => {
    const started = () => fake.calls.filter((c) => c.method === 'startWorkflowExecution').map((c) => (c.request as { workflowId: string }).workflowId);
    const before = started().length;
    for (const requestId of ['a=b', '_x', 'r'.repeat(200), 'req-7']) {
      const res = await sendRaw(api.url, {
        method: 'POST',
        path: '/workflows/welcomeUser',
        headers: { ...auth, 'content-type': 'application/json', 'x-request-id': requestId },
        body: '{"userId":"u-1"}',
      });
      expect(res.status).toBe(202);
    }
    const ids = started().slice(before);
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(id).toMatch(ID_PATTERN);
    // A request ID within the rules still names the run, so a retry with it finds the same one.
    expect(ids[3]).toBe('welcome-u-1-req-7');
  });
});
