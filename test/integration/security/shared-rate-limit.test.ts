// The rate limit across replicas: two API processes (api/main.ts, as `npm run api` starts it) against one real
// Valkey/Redis server and the shared Temporal dev server, with JWTs from an identity provider served over HTTP
// by this process. The budget holds in total, per tenant, whichever replica a request reaches.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../../support/api';
import { TestIdentityProvider } from '../../support/identity-provider';
import { startApiChild, type ChildHandle } from '../../support/processes';
import { startValkey, type RunningValkey } from '../../support/valkey';

const LIMIT = 6;
const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

let valkey: RunningValkey;
let idp: TestIdentityProvider;
const apis: { handle: ChildHandle; url: string }[] = [];

async function startApi(): Promise<{ handle: ChildHandle; url: string }> {
  const api = await startApiChild({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    PORT: '0',
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    BATON_RATE_LIMIT_PER_MINUTE: String(LIMIT),
    BATON_RATE_LIMIT_REDIS_URL: valkey.url,
    BATON_JWKS_URL: idp.jwksUrl,
    BATON_JWT_ISSUER: idp.issuer,
    BATON_JWT_AUDIENCE: idp.audience,
  });
  await api.handle.waitFor(/rate limit and burst allowances counted in the shared store/, 5000);
  return api;
}

beforeAll(async () => {
  valkey = await startValkey();
  idp = await TestIdentityProvider.start();
  apis.push(...(await Promise.all([startApi(), startApi()])));
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.handle.stop()));
  await valkey?.stop();
  await idp?.stop();
});

/** A cheap authenticated read that reaches Temporal (a welcome no one started: 404). */
const get = (api: { url: string }, token: string) =>
  fetch(`${api.url}/workflows/welcomeUser/welcome-nobody-${Math.random().toString(36).slice(2)}`, { headers: { authorization: `Bearer ${token}` } });

describe('one budget across two API replicas', () => {
  it('lets a static token spend the limit once in total, whichever replica each request reaches', async () => {
    const statuses: number[][] = [[], []];
    for (let i = 0; i < 2 * LIMIT; i++) {
      const replica = i % 2;
      statuses[replica]?.push((await get(apis[replica]!, TEST_TOKEN)).status);
    }
    const all = statuses.flat();
    expect(all.filter((s) => s !== 429)).toHaveLength(LIMIT);
    expect(all.filter((s) => s === 429)).toHaveLength(LIMIT);
    // Each replica alone served fewer than the limit and still refused: the count is shared, not per process.
    for (const own of statuses) {
      expect(own.filter((s) => s !== 429).length).toBeLessThan(LIMIT);
      expect(own).toContain(429);
    }
    const limited = await get(apis[1]!, TEST_TOKEN);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('counts a tenant’s users together across replicas, and other tenants apart', async () => {
    const alice = await idp.token({ tenant: 'acme', sub: 'alice', scope: 'workflows:read' });
    const bob = await idp.token({ tenant: 'acme', sub: 'bob', scope: 'workflows:read' });
    const other = await idp.token({ tenant: 'globex', sub: 'carol', scope: 'workflows:read' });
    const acme: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) acme.push((await get(apis[i % 2]!, i % 3 === 0 ? bob : alice)).status);
    expect(acme.filter((s) => s !== 429)).toHaveLength(LIMIT);
    expect(acme.slice(LIMIT)).toEqual([429, 429]);
    expect((await get(apis[0]!, other)).status).not.toBe(429);
    expect((await get(apis[1]!, other)).status).not.toBe(429);
  });

  it('lets requests through uncounted while the store is down, and says so in the log', async () => {
    // The static token's budget is spent (first test): with the store gone, the replica cannot count and lets it pass.
    expect((await get(apis[0]!, TEST_TOKEN)).status).toBe(429);
    await valkey.stop();
    const res = await get(apis[0]!, TEST_TOKEN);
    expect(res.status).not.toBe(429);
    expect(res.status).toBeLessThan(500);
    await apis[0]!.handle.waitFor(/rate-limit store unavailable/, 5000);
  });
});
