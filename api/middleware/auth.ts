import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { problems } from '../problems';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer auth against a fixed token list. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither content nor length leaks through timing.
 */
export function bearerTokens(tokens: readonly string[], isPublic: (path: string) => boolean = () => false): MiddlewareHandler<AppEnv> {
  const known = tokenDigests(tokens);
  return async (c, next) => {
    if (!isPublic(c.req.path) && !hasValidBearer(c.req.header('authorization'), known)) throw problems.unauthorized();
    await next();
  };
}

export function hasValidBearer(header: string | undefined, known: readonly Buffer[]): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const presented = digest(match[1]);
  // Check every token so that the time taken does not depend on which one matched.
  let ok = false;
  for (const k of known) ok = timingSafeEqual(presented, k) || ok;
  return ok;
}

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
