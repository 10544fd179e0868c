// Request counters that let a test prove a caller really gave up on a call (aborted) rather than
// merely stopped waiting for it.
import { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../lib/logger';

export interface RequestCounts {
  received: number;
  completed: number;
  /** The client closed the connection before the response was fully sent. */
  aborted: number;
}

export class RequestCounters {
  #counts: RequestCounts = { received: 0, completed: 0, aborted: 0 };

  get(): RequestCounts {
    return { ...this.#counts };
  }

  reset(): void {
    this.#counts = { received: 0, completed: 0, aborted: 0 };
  }

  received(): void {
    this.#counts.received++;
  }

  completed(): void {
    this.#counts.completed++;
  }

  aborted(): void {
    this.#counts.aborted++;
  }
}

/** The Node response behind a request served by @hono/node-server; absent under app.request(). */
function nodeResponse(env: unknown): ServerResponse | undefined {
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return undefined;
  return env.outgoing instanceof ServerResponse ? env.outgoing : undefined;
}

export function countingMiddleware(options: { counters: RequestCounters; exempt: (path: string) => boolean; logger: Logger }): MiddlewareHandler {
  const { counters, exempt, logger } = options;
  return async (c, next) => {
    if (exempt(c.req.path)) return next();
    counters.received();
    const started = performance.now();
    const log = (outcome: 'completed' | 'aborted', status: number) =>
      logger.debug({ method: c.req.method, path: c.req.path, status, outcome, ms: Math.round(performance.now() - started) }, 'request');
    const outgoing = nodeResponse(c.env);
    if (outgoing) {
      // 'close' also fires after a normal finish; writableFinished tells the two apart.
      outgoing.once('close', () => {
        const outcome = outgoing.writableFinished ? 'completed' : 'aborted';
        counters[outcome]();
        log(outcome, outgoing.statusCode);
      });
      return next();
    }
    // In-process (app.request): the request's own signal is the only sign of a caller giving up.
    await next();
    const outcome = c.req.raw.signal.aborted ? 'aborted' : 'completed';
    counters[outcome]();
    log(outcome, c.res.status);
  };
}
