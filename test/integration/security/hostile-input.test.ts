// The hostile-input properties of test/unit/api/hostile-input.test.ts, a few runs per route, against the
// real thing: the API over HTTP on the shared Temporal dev server, with the sample services behind the
// compositions, so Temporal's own answers to odd IDs, page tokens and queries are covered too. No worker:
// workflows that valid-looking requests start wait on a task queue of their own, and every generated ID
// carries a random suffix, so no request reads a run another one started.
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { requiredScope, SCOPES } from '../../../api/http/scopes';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import {
  expectSafeAnswer,
  hostileJwt,
  requestsFor,
  routeName,
  routesOf,
  sendRaw,
  type OpenApiDocument,
  type RawResponse,
  type Route,
} from '../../support/hostile-requests';
import { refusedTokens, TestIdentityProvider } from '../../support/identity-provider';

const RUNS = 15;
const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

const services: RunningSampleServices = await startSampleServices();
// A real identity provider: its JWKS served over HTTP by this process, keys of every accepted algorithm.
const idp = await TestIdentityProvider.start({ algs: ['RS256', 'ES256', 'EdDSA'] });
const api: TestApi = await startTestApi({
  address,
  namespace,
  taskQueue: uniqueTaskQueue('hostile'),
  // No localhost in what the API may legitimately answer, so any that shows up is a leak.
  config: {
    temporalUiUrl: 'https://temporal-ui.example',
    jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, clockToleranceSeconds: 30, jwksCooldownMs: 0, tenantClaim: 'tenant' },
  },
  composition: { baseUrls: services.urls, retry: { retries: 0 } },
});
const doc = JSON.parse((await sendRaw(api.url, { method: 'GET', path: '/openapi.json' })).text) as OpenApiDocument;
const urls = Object.values(services.urls);
const secrets = [address, ...urls, ...urls.map((u) => new URL(u).host)];
const routes = routesOf(doc);

afterAll(async () => {
  await api.stopAll();
  await services.close();
  await idp.stop();
});

// `Prefer: wait=N` would hold a request for up to 30 s on a queue no worker polls; the unit run covers it.
const refuseHeader = (name: string, value: string) => name === 'prefer' && /wait/i.test(value);

describe('every route of the served document, on real Temporal', () => {
  it('finds the routes', () => expect(routes.length).toBeGreaterThan(20));

  it.each(routes.map((r) => [routeName(r), r] as const))('%s: no 5xx, stack trace, host or downstream URL for hostile requests', async (_, route) => {
    await fc.assert(
      fc.asyncProperty(requestsFor(doc, route, { token: TEST_TOKEN, uniqueIds: true, refuseHeader }), async (req) => {
        expectSafeAnswer(req, await sendRaw(api.url, req), { secrets });
      }),
      { numRuns: RUNS },
    );
  });
});

// --- Bearer JWTs from the identity provider, on every protected route ----------------------------------

/** The route with a valid-looking value in each path parameter, and a body when it takes one. */
const concrete = (route: Route) => ({
  method: route.method,
  path: route.path.replace(/\{([^}]+)\}/g, (_, name: string) => `${name === 'id' ? 'order' : 'x'}-hostile-jwt-1`),
  ...(route.body && { body: '{}' }),
});
const send = (route: Route, token: string): Promise<RawResponse> => {
  const req = concrete(route);
  return sendRaw(api.url, { ...req, headers: { authorization: `Bearer ${token}`, ...(req.body && { 'content-type': 'application/json' }) } });
};
const protectedRoutes = routes.filter((r) => r.secured && !r.path.startsWith('/webhooks/'));
const asProblem = (res: RawResponse) => JSON.parse(res.text) as { type: string; status: number; detail?: string };

describe('JWTs on every protected route, on real Temporal', () => {
  it('finds the protected routes', () => expect(protectedRoutes.length).toBeGreaterThan(20));

  it.each(protectedRoutes.map((r) => [routeName(r), r] as const))(
    '%s: forged, stale and misdirected JWTs get 401; a missing scope 403; the right scope passes',
    async (_, route) => {
      const scope = requiredScope(route.method, concrete(route).path);
      expect(scope, 'every protected route needs a scope').toBeDefined();
      for (const [what, token] of await refusedTokens(idp, scope as string)) {
        const res = await send(route, token);
        expect(res.status, what).toBe(401);
        expect(String(res.headers['content-type']), what).toMatch(/^application\/problem\+json/);
        expect(res.headers['www-authenticate'], what).toBe('Bearer realm="baton", error="invalid_token"');
      }
      const others = SCOPES.filter((s) => s !== scope).join(' ');
      const forbidden = await send(route, await idp.token({ scope: others }));
      expect(forbidden.status).toBe(403);
      expect(asProblem(forbidden)).toMatchObject({ type: 'https://baton.dev/problems/forbidden', status: 403 });
      const allowed = await send(route, await idp.token({ scope: scope as string }));
      expect([401, 403]).not.toContain(allowed.status);
      expect(allowed.status).toBeLessThan(500);
    },
  );

  it('refuses hostile JWT-shaped tokens with 401 problem+json on every protected route, never a 5xx', async () => {
    const kids = ['key-1-rs256', 'key-2-es256', 'key-3-eddsa'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...protectedRoutes), hostileJwt(kids), async (route, token) => {
        const res = await send(route, token);
        expect(res.status, `${routeName(route)} ${token.slice(0, 120)}`).toBe(401);
        expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
        expect(res.text).not.toMatch(/\bat\s+\S+\s+\(|node_modules|\.ts:\d/);
      }),
      { numRuns: 200 },
    );
  });

  it('follows a key rotation: a token signed with a key published after the first fetch is accepted', async () => {
    const route = protectedRoutes.find((r) => r.method === 'GET' && r.path === '/orders') as Route;
    expect((await send(route, await idp.token({ scope: 'orders:read' }))).status).toBe(200);
    const fetches = idp.fetches;
    const kid = await idp.addKey('EdDSA', 'rotated-integration');
    expect((await send(route, await idp.token({ kid, scope: 'orders:read' }))).status).toBe(200);
    expect(idp.fetches).toBe(fetches + 1);
  });
});
