import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { problems } from '../problems';

/**
 * Load shedding for the routes that call Temporal: at most `maxInFlight` of their requests run at once
 * in this process, and the next one is answered 503 with `Retry-After` at once. Without the bound a slow
 * or saturated Temporal makes requests pile up (memory, sockets, each one waiting out its deadline) and
 * every caller waits; with it the excess fails fast and the client backs off. No queue: a queued request
 * would only spend its deadline waiting.
 *
 * Create one per app and use it on every Temporal route, so the routes share the bound.
 */
export function shedTemporalLoad(maxInFlight: number): MiddlewareHandler<AppEnv> {
  const slots = bulkhead(maxInFlight, 0);
  return async (_c, next) => {
    try {
      await slots.execute(() => next());
    } catch (err) {
      if (err instanceof BulkheadRejectedError) throw problems.overloaded();
      throw err;
    }
  };
}
