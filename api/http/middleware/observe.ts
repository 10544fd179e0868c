// One log line and one metrics sample per request, with its request ID, trace ID, route pattern,
// status and duration. Runs inside the request's span (lib/http-tracing.ts), so the trace ID is known.
import type { MiddlewareHandler } from 'hono';
import { routePattern } from '../../../lib/http-tracing';
import type { Logger } from '../../../lib/logger';
import { activeTraceId } from '../../../lib/telemetry';
import type { AppEnv } from '../deps';
import type { ApiMetrics } from '../api-metrics';
import { setResponseHeader } from '../node-response';

/** Paths polled by machines: logged at debug only, so probes and scrapes do not drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function observeRequests(logger: Logger, metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const traceId = activeTraceId();
    c.set('metrics', metrics);
    // Lets a client (or a support ticket) name the trace of a request.
    if (traceId) setResponseHeader(c, 'X-Trace-Id', traceId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePattern(c);
    const status = c.res.status;
    metrics.observeRequest({ method: c.req.method, route, status }, seconds);
    const level = status >= 500 ? 'error' : QUIET_PATHS.has(c.req.path) ? 'debug' : 'info';
    // A line nobody will write costs nothing to build.
    if (!logger.isLevelEnabled(level)) return;
    const line = {
      requestId: c.get('requestId'),
      ...(traceId && { traceId }),
      method: c.req.method,
      route,
      path: c.req.path,
      status,
      durationMs: Math.round(seconds * 10_000) / 10,
    };
    logger[level](line, `${c.req.method} ${route} ${status}`);
  };
}
