import type * as NodeCrypto from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../../../api/http/deps';

// The comparison itself is observed, not timed: a spy on timingSafeEqual sees every comparison made.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
// Unit files share their workers' module cache (isolate: false): the middleware is loaded afresh, so that
// it binds the spy rather than a copy another file loaded before.
vi.resetModules();
const { timingSafeEqual } = await import('node:crypto');
const { authenticate, hasValidBearer, matchBearer, tokenDigests } = await import('../../../api/http/middleware/auth');

const known = tokenDigests(['first-token-0123456789', 'second-token-0123456789']);

describe('bearer tokens', () => {
  it('accepts every configured token', () => {
    expect(hasValidBearer('Bearer first-token-0123456789', known)).toBe(true);
    expect(hasValidBearer('bearer second-token-0123456789', known)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic Zmlyc3QtdG9rZW4='],
    ['a wrong token', 'Bearer first-token-012345678X'],
    ['a prefix of a token', 'Bearer first-token'],
    ['a token with extra words', 'Bearer first-token-0123456789 extra'],
  ])('rejects %s', (_, header) => {
    expect(hasValidBearer(header, known)).toBe(false);
  });
});

describe('constant-time comparison', () => {
  const compared = vi.mocked(timingSafeEqual);

  it.each([
    ['the first token', 'Bearer first-token-0123456789', 0],
    ['the second token', 'Bearer second-token-0123456789', 1],
    ['a short wrong token', 'Bearer x', -1],
    ['a long wrong token', `Bearer ${'y'.repeat(5000)}`, -1],
  ])('compares SHA-256 digests of equal length with every configured token for %s', (_, header, index) => {
    compared.mockClear();
    expect(matchBearer(header, known)).toBe(index);
    // No early exit on a match, and no comparison whose length depends on what was presented.
    expect(compared).toHaveBeenCalledTimes(known.length);
    for (const [a, b] of compared.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});

describe('rate-limit key of a static token', () => {
  const tokens = ['first-token-0123456789', 'second-token-0123456789'];
  const app = new Hono<AppEnv>().use('*', authenticate({ tokens })).get('/key', (c) => c.text(c.var.rateLimitKey ?? ''));
  const keyOf = async (token: string) => (await app.request('/key', { headers: { authorization: `Bearer ${token}` } })).text();

  it('names each token by a digest prefix, never by the token itself', async () => {
    const [first, again, second] = [await keyOf(tokens[0] as string), await keyOf(tokens[0] as string), await keyOf(tokens[1] as string)];
    expect(first).toMatch(/^s:[0-9a-f]{16}$/);
    expect(again).toBe(first);
    expect(second).not.toBe(first);
    for (const token of tokens) for (const key of [first, second]) expect(key).not.toContain(token);
  });
});
