// GET /metrics: Prometheus text exposition. Public like /healthz (Prometheus scrapes it without a
// token); it carries counts, latencies and breaker states, never a request's data. Keep it off the
// public internet with the network (compose exposes only the API port; a reverse proxy can deny it).
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../router';

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['health'],
  summary: 'Prometheus metrics: requests by route and status, latency, composition outcomes per source, circuit breakers',
  description:
    'Public (no token), for Prometheus to scrape. `baton_http_requests_total` and `baton_http_request_duration_seconds` by `method`, `route` (the route pattern) and `status`; `baton_composition_source_total` by `composition`, `source` and `outcome`; `baton_circuit_breaker_state` by `downstream` and `state`; and the process metrics (`baton_api_*`).',
  responses: {
    200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
  },
});

export function metricsRoutes() {
  return createRouter().openapi(metrics, async (c) => {
    const { registry } = c.var.metrics;
    return c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
}
