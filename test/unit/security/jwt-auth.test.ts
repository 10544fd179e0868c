// JWT bearer tokens through createApp: a real JWKS served over HTTP by this process (keys made with jose),
// a fake Temporal behind the routes. Refusals (401), scopes (403), key rotation, the provider being down
// (503), clock skew, and whose budget a token spends.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import type { AppConfig } from '../../../api/http/deps';
import type { JwtSettings } from '../../../api/http/jwt';
import { requiredScope, scopesFromClaims, SCOPES } from '../../../api/http/scopes';
import { hostileJwt } from '../../support/hostile-requests';
import { refusedTokens, TestIdentityProvider } from '../../support/identity-provider';
import { createDataConverter, EncryptionCodec } from '../../../lib/payload-codec';
import { nowhereTemporal, unitConfig, UNIT_TOKEN } from '../../support/unit-app';
import { fakeTemporal } from '../api/fake-temporal';

let idp: TestIdentityProvider;
const fake = fakeTemporal();

const jwtSettings = (overrides: Partial<JwtSettings> = {}): JwtSettings => ({
  jwksUrl: idp.jwksUrl,
  issuer: idp.issuer,
  audience: idp.audience,
  clockToleranceSeconds: 30,
  jwksCooldownMs: 0,
  tenantClaim: 'tenant',
  ...overrides,
});
const appWith = (config: Partial<AppConfig> = {}) =>
  createApp({ config: unitConfig({ jwt: jwtSettings(), ...config }), temporal: fake.temporal, logger: pino({ level: 'silent' }) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  idp = await TestIdentityProvider.start({ algs: ['RS256', 'ES256', 'EdDSA'] });
});
afterAll(() => idp.stop());

interface ProblemBody {
  type: string;
  status: number;
  detail?: string;
}
async function expectProblem(res: Response, status: number, slug: string): Promise<ProblemBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as ProblemBody;
  expect(body).toMatchObject({ type: `https://baton.dev/problems/${slug}`, status });
  return body;
}

describe('tokens the identity provider signed', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token with the route’s scope', async (alg) => {
    const app = appWith();
    // The provider started with one key of each algorithm: key-1-rs256, key-2-es256, key-3-eddsa.
    const kid = `key-${['RS256', 'ES256', 'EdDSA'].indexOf(alg) + 1}-${alg.toLowerCase()}`;
    const res = await app.request('/orders', { headers: bearer(await idp.token({ kid, scope: 'orders:read' })) });
    expect(res.status).toBe(200);
  });

  it('refuses every forged, stale or misdirected token with 401 problem+json naming the reason', async () => {
    const app = appWith();
    const listings = () => fake.calls.filter((c) => c.method === 'listWorkflowExecutions').length;
    const before = listings();
    const reasons: Record<string, RegExp> = {
      expired: /expired/,
      audience: /another audience/,
      issuer: /another issuer/,
      'unknown kid': /does not publish/,
      'alg:none': /algorithm is not accepted/,
      tampered: /signature does not verify/,
      // Refused whichever way: no published key of that algorithm, or a signature no published key makes.
      'attacker’s key': /signature does not verify|does not publish/,
      HS256: /algorithm is not accepted/,
      'not valid yet': /not valid yet/,
      expiry: /"exp" claim/,
      subject: /"sub" claim/,
      'no JWT': /not a well-formed JWT/,
    };
    for (const [what, token] of await refusedTokens(idp, 'orders:read')) {
      const res = await app.request('/orders', { headers: bearer(token) });
      const body = await expectProblem(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate'), what).toBe('Bearer realm="baton", error="invalid_token"');
      const reason = Object.entries(reasons).find(([key]) => what.includes(key))?.[1];
      expect(reason, `a reason for ${what}`).toBeDefined();
      expect(body.detail, what).toMatch(reason as RegExp);
    }
    // Nothing reached Temporal.
    expect(listings()).toBe(before);
  });

  it('refuses a JWT-shaped token when no identity provider is configured, and still takes static tokens when one is', async () => {
    const withoutJwt = createApp({ config: unitConfig(), temporal: fake.temporal, logger: pino({ level: 'silent' }) });
    await expectProblem(await withoutJwt.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read' })) }), 401, 'unauthorized');
    const both = appWith();
    expect((await both.request('/orders', { headers: bearer(UNIT_TOKEN) })).status).toBe(200);
    expect(
      (await both.request('/orders/ord-1/resolve', { method: 'POST', headers: { ...bearer(UNIT_TOKEN), 'content-type': 'application/json' }, body: '{}' }))
        .status,
    ).not.toBe(403);
  });

  it('allows a bounded clock skew and no more', async () => {
    const app = appWith({ jwt: jwtSettings({ clockToleranceSeconds: 30 }) });
    expect((await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read', expiresIn: -10 })) })).status).toBe(200);
    expect((await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read', notBefore: 10 })) })).status).toBe(200);
    await expectProblem(await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read', expiresIn: -31 })) }), 401, 'unauthorized');
  });
});

describe('hostile JWT-shaped tokens', () => {
  it('are refused with 401 problem+json, never a 5xx, whatever the header, payload or signature', async () => {
    const app = appWith();
    await fc.assert(
      fc.asyncProperty(hostileJwt(['key-1-rs256', 'key-2-es256', 'key-3-eddsa']), async (token) => {
        const res = await app.request('/orders', { headers: bearer(token) });
        expect(res.status, token.slice(0, 200)).toBe(401);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 300 },
    );
  }, 30_000);
});

describe('scopes', () => {
  // One request per route class, with the scope it needs (docs/security.md).
  const classes: { scope: (typeof SCOPES)[number]; method: string; path: string; body?: string }[] = [
    { scope: 'orders:read', method: 'GET', path: '/orders/ord-1' },
    { scope: 'orders:read', method: 'GET', path: '/orders/ord-1/timeline' },
    { scope: 'orders:write', method: 'POST', path: '/orders', body: '{}' },
    { scope: 'orders:write', method: 'POST', path: '/orders/ord-1/cancel' },
    { scope: 'operator', method: 'POST', path: '/orders/ord-1/resolve', body: '{}' },
    { scope: 'operator', method: 'POST', path: '/orders/ord-1/step/pause', body: '{}' },
    { scope: 'operator', method: 'POST', path: '/orders/ord-1/step/unpause', body: '{}' },
    { scope: 'operator', method: 'POST', path: '/orders/ord-1/step/reset', body: '{}' },
    { scope: 'operator', method: 'GET', path: '/operator/orders' },
    { scope: 'profiles:read', method: 'GET', path: '/profiles/u-1' },
    // The overview shows the customer's orders in flight.
    { scope: 'orders:read', method: 'GET', path: '/customers/u-1/overview' },
    { scope: 'workflows:write', method: 'POST', path: '/workflows/welcomeUser', body: '{}' },
    { scope: 'workflows:read', method: 'GET', path: '/workflows/welcomeUser/welcome-u-1' },
    { scope: 'workflows:read', method: 'GET', path: '/workflows/order' },
    { scope: 'workflows:read', method: 'POST', path: '/workflows/order/order-1/queries/state' },
    { scope: 'workflows:write', method: 'POST', path: '/workflows/order/order-1/cancel' },
    { scope: 'codec', method: 'POST', path: '/codec/decode', body: '{"payloads":[]}' },
    { scope: 'operator', method: 'GET', path: '/metrics' },
  ];

  it('maps every route class to its scope', () => {
    for (const c of classes) expect(requiredScope(c.method, c.path), `${c.method} ${c.path}`).toBe(c.scope);
  });

  it.each(classes.map((c) => [`${c.method} ${c.path}`, c] as const))('%s: 403 naming the scope without it, past auth with it', async (_, c) => {
    const app = appWith({ codec: { corsOrigins: ['http://localhost:8233'], auth: 'bearer' } });
    const send = async (scope: string) =>
      app.request(c.path, {
        method: c.method,
        headers: { ...bearer(await idp.token({ scope })), ...(c.body && { 'content-type': 'application/json' }) },
        ...(c.body && { body: c.body }),
      });
    for (const other of SCOPES.filter((s) => s !== c.scope)) {
      const res = await send(other);
      const body = await expectProblem(res, 403, 'forbidden');
      expect(body.detail).toContain(`"${c.scope}"`);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="baton", error="insufficient_scope", scope="${c.scope}"`);
    }
    const allowed = await send(c.scope);
    expect([401, 403]).not.toContain(allowed.status);
  });

  it('writes each secured route’s scope and its 403 into the served OpenAPI document', async () => {
    const doc = (await (await appWith().request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses?: Record<string, unknown> }>>;
    };
    let secured = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.security || path.startsWith('/webhooks/')) continue;
        secured++;
        expect(op.security, `${method} ${path}`).toEqual([{ bearer: [requiredScope(method, path)] }]);
        expect(op.responses?.['403'], `${method} ${path}`).toBeDefined();
      }
    }
    expect(secured).toBeGreaterThan(20);
  });

  it('reads `scope` (space-separated) and `scp` (a list), expands family:*, ignores unknown scopes', () => {
    expect([...scopesFromClaims({ scope: 'orders:read  codec unknown:thing' })].sort()).toEqual(['codec', 'orders:read']);
    expect([...scopesFromClaims({ scp: ['profiles:read', 42, 'workflows:*'] })].sort()).toEqual(['profiles:read', 'workflows:read', 'workflows:write']);
    expect([...scopesFromClaims({ scope: 'orders:*' })].sort()).toEqual(['orders:read', 'orders:write']);
    expect(scopesFromClaims({ scope: '*' }).size).toBe(0);
    expect(scopesFromClaims({}).size).toBe(0);
  });
});

describe('key rotation', () => {
  it('accepts a token signed with a key the provider published after Baton fetched the JWKS', async () => {
    const app = appWith();
    expect((await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read' })) })).status).toBe(200);
    const fetchesBefore = idp.fetches;
    const rotated = await idp.addKey('ES256', 'rotated-1');
    expect((await app.request('/orders', { headers: bearer(await idp.token({ kid: rotated, scope: 'orders:read' })) })).status).toBe(200);
    expect(idp.fetches).toBe(fetchesBefore + 1);
    // The old key's tokens stay good while the provider still publishes it, and stop once it retires it.
    idp.retireKey('key-1-rs256');
    const old = await idp.token({ kid: 'key-1-rs256', scope: 'orders:read' });
    expect((await appWith().request('/orders', { headers: bearer(old) })).status).toBe(401);
  });

  it('fetches the JWKS at most once per cooldown for unknown key IDs', async () => {
    const app = appWith({ jwt: jwtSettings({ jwksCooldownMs: 60_000 }) });
    expect((await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read' })) })).status).toBe(200);
    const fetchesBefore = idp.fetches;
    for (let i = 0; i < 5; i++) {
      const unknown = await idp.unpublishedKey();
      expect((await app.request('/orders', { headers: bearer(await idp.token({ kid: unknown, scope: 'orders:read' })) })).status).toBe(401);
    }
    expect(idp.fetches - fetchesBefore).toBeLessThanOrEqual(1);
  });
});

describe('the identity provider unreachable', () => {
  it('answers 503 problem+json with Retry-After (no verdict on the token), and static tokens still work', async () => {
    idp.down = true;
    try {
      const app = appWith();
      const res = await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read' })) });
      await expectProblem(res, 503, 'identity-provider-unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await app.request('/orders', { headers: bearer(UNIT_TOKEN) })).status).toBe(200);
    } finally {
      idp.down = false;
    }
  });
});

describe('the Web UI decoding payloads with its user’s token', () => {
  const UI = 'http://localhost:8233';
  const keys = [{ id: 'k1', key: randomBytes(32) }];
  const temporal = nowhereTemporal({ dataConverter: createDataConverter(keys) });
  afterAll(() => temporal.connection.close());

  it('decodes for a JWT with the codec scope, 403 without it, after a CORS preflight that needs no token', async () => {
    const app = createApp({
      config: unitConfig({ jwt: jwtSettings(), bodyLimitBytes: 64 * 1024, codec: { corsOrigins: [UI], auth: 'bearer' } }),
      temporal,
      logger: pino({ level: 'silent' }),
    });
    const preflight = await app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);

    const [encrypted] = await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ orderId: 'ord-7' })]);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(encrypted?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(encrypted?.data ?? []).toString('base64'),
        },
      ],
    });
    const decode = async (scope: string) =>
      app.request('/codec/decode', {
        method: 'POST',
        headers: { origin: UI, 'content-type': 'application/json', 'x-namespace': 'default', ...bearer(await idp.token({ scope })) },
        body,
      });

    const decoded = await decode('openid codec');
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    const [payload] = ((await decoded.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(payload?.data ?? '', 'base64').toString())).toEqual({ orderId: 'ord-7' });
    await expectProblem(await decode('openid orders:read'), 403, 'forbidden');
  });
});

describe('metrics token', () => {
  const METRICS = 'unit-metrics-token-0123456789abcdef';
  it('opens GET /metrics and nothing else; a JWT needs the operator scope there', async () => {
    const app = appWith({ metricsToken: METRICS });
    expect((await app.request('/metrics', { headers: bearer(METRICS) })).status).toBe(200);
    await expectProblem(await app.request('/metrics'), 401, 'unauthorized');
    await expectProblem(await app.request('/orders', { headers: bearer(METRICS) }), 401, 'unauthorized');
    await expectProblem(await app.request('/metrics', { headers: bearer(await idp.token({ scope: 'orders:read' })) }), 403, 'forbidden');
    expect((await app.request('/metrics', { headers: bearer(await idp.token({ scope: 'operator' })) })).status).toBe(200);
  });
});

describe('budgets per tenant', () => {
  it('counts a tenant’s tokens together, other tenants apart, and a token without a tenant by its subject', async () => {
    const app = appWith({ rateLimitPerMinute: 2 });
    const get = async (options: { tenant?: string; sub?: string }) =>
      (await app.request('/orders', { headers: bearer(await idp.token({ scope: 'orders:read', ...options })) })).status;
    expect(await get({ tenant: 'acme', sub: 'alice' })).toBe(200);
    expect(await get({ tenant: 'acme', sub: 'bob' })).toBe(200);
    expect(await get({ tenant: 'acme', sub: 'carol' })).toBe(429);
    expect(await get({ tenant: 'globex', sub: 'alice' })).toBe(200);
    expect(await get({ sub: 'dave' })).toBe(200);
    expect(await get({ sub: 'dave' })).toBe(200);
    expect(await get({ sub: 'dave' })).toBe(429);
    expect(await get({ sub: 'erin' })).toBe(200);
  });
});
