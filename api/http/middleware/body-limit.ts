import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../deps';
import type { ApiProblem } from '../problems';

/**
 * At most `maxSize` bytes of request body; larger is `tooLarge()` (a 413) before any of it is read.
 *
 * Hono's bodyLimit first asks for `c.req.raw.body`, and that alone makes @hono/node-server build a whole
 * WHATWG Request around Node's request (a ReadableStream over it, an AbortController), through which the
 * route then reads the body too: about 0.2 ms of the API's 3 ms of CPU per `POST /orders` in the starts
 * benchmark (docs/benchmark-journal.md). A body that states its length (and is not chunked) is judged by that
 * header alone, since Node's parser never reads past it, and the route reads it the adapter's direct way.
 * Only a body without a stated length is counted as it arrives, by Hono's middleware.
 */
export function limitBodies(maxSize: number, tooLarge: () => ApiProblem): MiddlewareHandler<AppEnv> {
  const counted = bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    if (Number(length) > maxSize) throw tooLarge();
    await next();
  };
}
