import { hash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { problems } from '../problems';

// The one-shot hash: no Hash object per request (auth runs on every protected call).
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/**
 * Bearer auth against a fixed token list. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither content nor length leaks through timing. Sets `tokenKey` for the
 * rate limiter: a prefix of the token's digest, so the raw token is never a map key.
 */
export function bearerTokens(tokens: readonly string[], isPublic: (path: string) => boolean = () => false): MiddlewareHandler<AppEnv> {
  const known = tokenDigests(tokens);
  const keys = known.map((d) => d.toString('hex').slice(0, 16));
  return async (c, next) => {
    if (!isPublic(c.req.path)) {
      const index = matchBearer(c.req.header('authorization'), known);
      if (index < 0) throw problems.unauthorized();
      c.set('tokenKey', keys[index]);
    }
    await next();
  };
}

/** The index of the configured token the header presents, or -1. */
export function matchBearer(header: string | undefined, known: readonly Buffer[]): number {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return -1;
  const presented = digest(match[1]);
  // Check every token so that the time taken does not depend on which one matched.
  let found = -1;
  for (let i = 0; i < known.length; i++) if (timingSafeEqual(presented, known[i] as Buffer)) found = i;
  return found;
}

export const hasValidBearer = (header: string | undefined, known: readonly Buffer[]): boolean => matchBearer(header, known) >= 0;

const digestsByList = new WeakMap<readonly string[], Buffer[]>();
/** The tokens' digests, computed once per configured list (the webhook asks on every request). */
export function tokenDigests(tokens: readonly string[]): Buffer[] {
  let known = digestsByList.get(tokens);
  if (!known) {
    known = tokens.map(digest);
    digestsByList.set(tokens, known);
  }
  return known;
}
