import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter, type RateLimitInfo } from 'hono-rate-limiter';
import type { AppEnv } from '../deps';
import { problems } from '../problems';

const WINDOW_MS = 60_000;

/** Seconds until the token's window resets; the limiter leaves its count under `rateLimit`. */
function retryAfterSeconds(c: Context, now = Date.now()): number {
  const reset = (c as Context<{ Variables: { rateLimit?: RateLimitInfo } }>).var.rateLimit?.resetTime;
  return Math.max(1, Math.ceil(((reset?.getTime() ?? now + WINDOW_MS) - now) / 1000));
}

/**
 * A budget of requests per minute for each bearer token (`BATON_RATE_LIMIT_PER_MINUTE`); none when 0
 * or absent. Keyed by `tokenKey`, which the auth middleware sets from a digest of the token, so it must
 * run after auth; requests without one (the public routes) are never counted. Past the budget: 429
 * problem+json with Retry-After; every counted response carries the `RateLimit` and `RateLimit-Policy`
 * headers. In memory, per process: behind N replicas a token gets up to N budgets.
 */
export function rateLimitPerToken(perMinute: number | undefined): MiddlewareHandler<AppEnv> | undefined {
  if (!perMinute) return undefined;
  return rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-7',
    skip: (c) => c.var.tokenKey === undefined,
    keyGenerator: (c) => c.var.tokenKey ?? '',
    handler: (c) => {
      throw problems.tooManyRequests(retryAfterSeconds(c));
    },
  });
}
