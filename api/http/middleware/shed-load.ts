import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import type { ApiProblem } from '../problems';

/**
 * Load shedding: at most `maxInFlight` requests of the routes it guards run at once in this process,
 * and the next one is answered with `overloaded()` (a 503 with `Retry-After`) at once. Without the
 * bound a saturated dependency, or Baton's own saturated event loop, makes requests pile up (memory,
 * sockets, each one waiting out its deadline) and every caller waits; with it the excess fails fast
 * and the client backs off. No queue: a queued request would only spend its deadline waiting.
 *
 * A counter, not cockatiel's bulkhead: with no queue the bulkhead is only this count, and its wrapping
 * of every call cost the composition routes about 8% of their CPU (docs/benchmark-journal.md, "The young generation, and what is left").
 *
 * Create one per kind of route and use it on every route of that kind, so that they share the bound.
 */
export function shedLoad(maxInFlight: number, overloaded: () => ApiProblem): MiddlewareHandler<AppEnv> {
  let inFlight = 0;
  return async (_c, next) => {
    if (inFlight >= maxInFlight) throw overloaded();
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
