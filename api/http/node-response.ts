// What the API does through Node's own response when Node serves it (api/server.ts), instead of through the
// web-standard objects @hono/node-server builds per request on demand; anywhere else (app.request() in
// tests, another runtime) the same through Hono. Each saves a composition a few percent of its CPU
// (docs/benchmark-journal.md, "Headers and the client's hang-up through Node's response").
import { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { whenAborted, type ClientGone } from '../../composition';

function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/**
 * Sets a header of this request's response. On Node it goes onto Node's response, which merges it into the
 * one writeHead @hono/node-server makes: no WHATWG Headers object is built, validated and copied out again.
 * A header the route sets itself (c.header, its own Response) wins over one set here, on Node or not.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeResponse(c);
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/** Sets `headers` on this request's response: on Node before the route runs, elsewhere after it, unless the route set them. */
export async function withResponseHeaders(c: Context, headers: readonly (readonly [string, string])[], next: () => Promise<void>): Promise<void> {
  const outgoing = nodeResponse(c);
  if (outgoing && !outgoing.headersSent) {
    for (const [name, value] of headers) outgoing.setHeader(name, value);
    return next();
  }
  await next();
  for (const [name, value] of headers) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
}

/**
 * The client's hang-up: Node's response closed before its answer was written (what @hono/node-server's
 * request signal means, without the AbortController and EventTarget it would build for this request).
 */
export function clientGone(c: Context): ClientGone {
  const outgoing = nodeResponse(c);
  if (!outgoing) return whenAborted(c.req.raw.signal);
  return (onGone) => {
    if (outgoing.destroyed && !outgoing.writableFinished) {
      onGone();
      return () => undefined;
    }
    const onClose = () => {
      if (!outgoing.writableFinished) onGone();
    };
    outgoing.once('close', onClose);
    return () => outgoing.off('close', onClose);
  };
}
