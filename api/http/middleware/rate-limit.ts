import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter, type RateLimitInfo, type Store } from 'hono-rate-limiter';
import type { AppEnv } from '../deps';
import { problems } from '../problems';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Seconds until the client's window resets; the limiter leaves its count under `rateLimit`. */
function retryAfterSeconds(c: Context, now = Date.now()): number {
  const reset = (c as Context<{ Variables: { rateLimit?: RateLimitInfo } }>).var.rateLimit?.resetTime;
  return Math.max(1, Math.ceil(((reset?.getTime() ?? now + RATE_LIMIT_WINDOW_MS) - now) / 1000));
}

/** Thrown by a shared store that cannot be reached (api/rate-limit-store.ts): the request is let through. */
export class RateLimitStoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('the rate-limit store cannot be reached', { cause });
    this.name = 'RateLimitStoreUnavailable';
  }
}

export interface RateLimitOptions {
  perMinute: number | undefined;
  /** Where the counts live: a shared Valkey/Redis store (every replica counts together), or this process's memory when absent. */
  store?: Store<AppEnv>;
  /** Called when the shared store fails and a request goes through uncounted. */
  onStoreUnavailable?: (err: RateLimitStoreUnavailable) => void;
}

/**
 * A budget of requests per minute for each client (`BATON_RATE_LIMIT_PER_MINUTE`); none when 0 or absent.
 * Keyed by `rateLimitKey`, which the auth middleware sets (a JWT's tenant, else its subject, or the static
 * token, each as a digest), so it must run after auth; requests without one (public routes, the metrics
 * scrape) are never counted. Past the budget: 429 problem+json with Retry-After; every counted response
 * carries the `RateLimit` and `RateLimit-Policy` headers. With a shared store the budget holds across
 * every replica; should the store fail, requests pass uncounted (the limit is for fairness, and an outage
 * of it must not take the API down), and each such failure is reported.
 */
export function rateLimitPerClient({ perMinute, store, onStoreUnavailable }: RateLimitOptions): MiddlewareHandler<AppEnv> | undefined {
  if (!perMinute) return undefined;
  const limiter = rateLimiter<AppEnv>({
    windowMs: RATE_LIMIT_WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-7',
    skip: (c) => c.var.rateLimitKey === undefined,
    keyGenerator: (c) => c.var.rateLimitKey ?? '',
    handler: (c) => {
      throw problems.tooManyRequests(retryAfterSeconds(c));
    },
    ...(store && { store }),
  });
  return async (c, next) => {
    let passed = false;
    try {
      await limiter(c, async () => {
        passed = true;
        await next();
      });
    } catch (err) {
      // Only a store failure before the request went on: errors of the route itself are the route's.
      if (passed || !(err instanceof RateLimitStoreUnavailable)) throw err;
      onStoreUnavailable?.(err);
      await next();
    }
  };
}
