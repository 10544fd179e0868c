// Server side of tracing for the Hono apps (API and sample services): each request continues the
// caller's trace (W3C `traceparent`) in a SERVER span named after the route pattern, and runs its
// handler inside that span, so everything it calls (Temporal client, undici) becomes its child.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { activeTelemetry } from './telemetry';

/** Label for requests that matched no route: raw paths would make unbounded label sets. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The pattern of the route that handled the request (`/orders/:orderId`), never the raw path.
 * Middleware (`app.use`, path `*` or `/prefix/*`) is skipped: the last concrete route wins.
 */
export function routePattern(c: Context): string {
  // Routes matched at request time (file compositions) name themselves.
  const declared = (c as Context<{ Variables: { routePattern?: string } }>).get('routePattern');
  if (declared !== undefined) return declared;
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (!route || route.method === 'ALL' || route.path.endsWith('*')) continue;
    return route.path;
  }
  return UNMATCHED_ROUTE;
}

const headerGetter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
};

export interface TraceRequestsOptions {
  tracer: () => Tracer;
  /** Requests that get no span of their own (health probes, admin routes, /metrics). */
  exempt?: (path: string) => boolean;
  /** Whether tracing is on now (default: the process's telemetry has an exporter). Off, a request costs one call. */
  enabled?: () => boolean;
}

const telemetryEnabled = () => activeTelemetry()?.enabled === true;

export function traceRequests({ tracer, exempt, enabled = telemetryEnabled }: TraceRequestsOptions): MiddlewareHandler {
  return async (c, next) => {
    // Without an exporter every span would be a no-op, but reading the caller's headers and routing the
    // request through a context would still cost every request: skip it all.
    if (!enabled() || exempt?.(c.req.path)) return next();
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const method = c.req.method;
    const span = tracer().startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': c.req.path, 'url.scheme': 'http' } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routePattern(c);
      const status = c.res.status;
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500 || c.error) span.setStatus({ code: SpanStatusCode.ERROR, ...(c.error && { message: c.error.message }) });
      span.end();
    }
  };
}
