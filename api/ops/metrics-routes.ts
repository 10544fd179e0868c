// GET /metrics: Prometheus text exposition. It carries counts, latencies and breaker states, never a
// request's data, yet it maps the API's traffic, so it is not public: Prometheus presents BATON_METRICS_TOKEN
// (a token that opens nothing else), or a caller needs the `operator` scope (docs/security.md).
import { createRoute, z } from '@hono/zod-openapi';
import { errorsFor } from '../http/problems';
import { createRouter } from '../http/router';

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['health'],
  summary: 'Prometheus metrics: requests by route and status, latency, composition outcomes per source, circuit breakers',
  description:
    'For Prometheus to scrape with `Authorization: Bearer <BATON_METRICS_TOKEN>` (that token opens nothing else), or with any token that has the `operator` scope. `baton_http_requests_total` and `baton_http_request_duration_seconds` by `method`, `route` (the route pattern) and `status`; `baton_composition_source_total` by `composition`, `source` and `outcome`; `baton_circuit_breaker_state` by `downstream` and `state`; and the process metrics (`baton_api_*`).',
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
    ...errorsFor(401, 403),
  },
});

export function metricsRoutes() {
  return createRouter().openapi(metrics, async (c) => {
    const { registry } = c.var.metrics;
    return c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
}
