import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { setResponseHeader } from '../node-response';

/** What an incoming X-Request-Id may be to be kept (Hono's requestId rule): up to 255 word characters, `-` or `=`. */
const KEEPABLE_ID = /^[\w\-=]{1,255}$/;

/**
 * The request's ID: the client's `X-Request-Id` when it is keepable, else a new UUID; sent back in the same
 * header and given to the logs, the problems and the downstream calls. Hono's `requestId` does the same
 * through a WHATWG Headers object per response (node-response.ts says why not here).
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming !== undefined && KEEPABLE_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', id);
    setResponseHeader(c, 'X-Request-Id', id);
    return next();
  };
}
