import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../router';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), temporal: z.enum(['reachable', 'unreachable']).optional() }).openapi('Health');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'The API process is up',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: Health } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Temporal is reachable',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Health } } },
    503: { description: 'Temporal unreachable', content: { 'application/json': { schema: Health } } },
  },
});

export function healthRoutes() {
  return createRouter()
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      const { connection } = c.var.deps.temporal;
      try {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
        return c.json({ status: 'ok' as const, temporal: 'reachable' as const }, 200);
      } catch {
        c.header('Retry-After', '5');
        return c.json({ status: 'unavailable' as const, temporal: 'unreachable' as const }, 503);
      }
    });
}
