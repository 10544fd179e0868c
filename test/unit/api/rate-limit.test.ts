// A request budget per bearer token, through the whole app over real HTTP (fake Temporal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEnv, EnvError, parseEnv } from '../../../config/env';
import { startComposedApi, TOKEN, type ComposedApi } from '../composition/composed-api';
import { fakeTemporal } from './fake-temporal';

const OTHER = 'other-unit-test-token-0123456789';
const METRICS = 'unit-metrics-scrape-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const noBackends = { baseUrls: {} };

describe('rate limiting per token', () => {
  let api: ComposedApi;
  beforeAll(async () => {
    api = await startComposedApi(noBackends, {
      temporal: fakeTemporal().temporal,
      config: { apiTokens: [TOKEN, OTHER], rateLimitPerMinute: 3, metricsToken: METRICS },
    });
  });
  afterAll(() => api.stop());

  it('answers 429 problem+json with Retry-After once a token has spent its budget, and leaves other tokens alone', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await api.get('/orders', bearer(TOKEN));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^limit=3, remaining=${3 - i}, reset=\\d+$`));
      expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
    }

    const limited = await api.get('/orders', bearer(TOKEN));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ type: 'https://baton.dev/problems/rate-limited', status: 429 });
    // Every route behind the token shares the budget.
    expect((await api.get('/profiles/u-1', bearer(TOKEN))).status).toBe(429);

    expect((await api.get('/orders', bearer(OTHER))).status).toBe(200);
  });

  it('never limits the public routes or the metrics scrape, nor counts requests that fail authentication', async () => {
    for (let i = 0; i < 10; i++) {
      for (const path of ['/healthz', '/readyz']) expect((await api.get(path, {})).status, path).toBe(200);
      expect((await api.get('/metrics', bearer(METRICS))).status).toBe(200);
      // A token on a public route does not make it count.
      expect((await api.get('/healthz', bearer(OTHER))).status).toBe(200);
      expect((await api.get('/orders', bearer('not-a-token-0123456789abcdef'))).status).toBe(401);
    }
    // OTHER spent one request in the test above: two remain.
    expect((await api.get('/orders', bearer(OTHER))).status).toBe(200);
    expect((await api.get('/orders', bearer(OTHER))).status).toBe(200);
    expect((await api.get('/orders', bearer(OTHER))).status).toBe(429);
  });
});

describe('without a budget', () => {
  it('limits nothing and sends no RateLimit headers when the budget is 0', async () => {
    const api = await startComposedApi(noBackends, { temporal: fakeTemporal().temporal, config: { rateLimitPerMinute: 0 } });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await api.get('/orders');
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit')).toBeNull();
      }
    } finally {
      await api.stop();
    }
  });
});

describe('BATON_RATE_LIMIT_PER_MINUTE', () => {
  const limit = apiEnv.shape.BATON_RATE_LIMIT_PER_MINUTE;

  it('defaults to a budget no single client of the benchmarks or tests reaches, and takes 0 for off', () => {
    expect(limit.parse(undefined)).toBe(60_000);
    expect(limit.parse('0')).toBe(0);
    expect(limit.parse('120')).toBe(120);
  });

  it('refuses a negative or fractional budget, naming the variable', () => {
    for (const value of ['-1', '1.5', 'many']) {
      try {
        parseEnv(apiEnv, { BATON_RATE_LIMIT_PER_MINUTE: value });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(EnvError);
        expect((err as EnvError).issues.map((i) => i.variable)).toContain('BATON_RATE_LIMIT_PER_MINUTE');
      }
    }
  });
});
