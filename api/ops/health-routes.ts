import { createRoute, z } from '@hono/zod-openapi';
import { NamespaceCheckError } from '../../lib/namespace-setup';
import { allowsOrders } from '../http/namespace-readiness';
import { createRouter } from '../http/router';

const NamespaceStatus = z
  .object({
    name: z.string(),
    state: z.enum(['ready', 'unverified', 'namespace-not-found', 'search-attributes-missing', 'search-attributes-pending']),
    detail: z.string().describe('What is wrong, and the command that fixes it'),
    command: z.string().optional().describe('The `temporal` CLI command that sets the namespace up for Baton'),
    missingSearchAttributes: z.array(z.string()).optional(),
    wrongTypeSearchAttributes: z.array(z.object({ name: z.string(), registeredAs: z.string(), expected: z.string() })).optional(),
  })
  .openapi('NamespaceStatus');

const CompositionsFileStatus = z
  .object({
    file: z.string(),
    version: z.string().describe('The content digest of the version being served; changes only when a valid file is loaded'),
    loadedAt: z.string(),
    compositions: z.array(z.string()),
    lastError: z
      .object({ at: z.string(), errors: z.array(z.string()) })
      .optional()
      .describe('The last reload refused since that version was loaded, each bad field named'),
  })
  .openapi('CompositionsFileStatus');

const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    temporal: z.enum(['reachable', 'unreachable']).optional(),
    namespace: NamespaceStatus.optional().describe("Whether Temporal's namespace exists and has Baton's search attributes"),
    compositions: CompositionsFileStatus.optional().describe('The compositions file (BATON_COMPOSITIONS_FILE), when one is served'),
  })
  .openapi('Health');

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
  summary: "Temporal is reachable and its namespace is set up for Baton's orders",
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Health } } },
    503: {
      description: "Temporal unreachable, or its namespace missing or without Baton's search attributes (`namespace.command` fixes it)",
      content: { 'application/json': { schema: Health } },
    },
  },
});

/** A ready namespace is checked again after this long, so /readyz notices attributes removed behind Baton's back. */
const READY_RECHECK_MS = 30_000;

export function healthRoutes() {
  return createRouter()
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      const { temporal, namespaceReadiness, fileCompositions } = c.var.deps;
      const { connection } = temporal;
      // Reported whatever Temporal's state: a refused reload leaves the last good version serving, so it is not unreadiness.
      const files = fileCompositions && { compositions: fileCompositions.status() };
      const unreachable = () => {
        c.header('Retry-After', '5');
        return c.json({ status: 'unavailable' as const, temporal: 'unreachable' as const, ...files }, 503);
      };
      try {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
      } catch {
        return unreachable();
      }
      if (!namespaceReadiness) return c.json({ status: 'ok' as const, temporal: 'reachable' as const, ...files }, 200);
      let check;
      try {
        check = await namespaceReadiness.status({ maxAgeMs: READY_RECHECK_MS });
      } catch (err) {
        if (err instanceof NamespaceCheckError) return unreachable();
        throw err;
      }
      const namespace = {
        name: check.namespace,
        state: check.state,
        detail: check.detail,
        ...(check.state === 'namespace-not-found' && { command: check.command }),
        ...(check.state === 'search-attributes-missing' && {
          command: check.command,
          missingSearchAttributes: check.missing,
          wrongTypeSearchAttributes: check.wrongType,
        }),
        ...(check.state === 'search-attributes-pending' && { missingSearchAttributes: check.pending }),
      };
      if (allowsOrders(check)) return c.json({ status: 'ok' as const, temporal: 'reachable' as const, namespace, ...files }, 200);
      c.header('Retry-After', check.state === 'search-attributes-pending' ? '2' : '30');
      return c.json({ status: 'unavailable' as const, temporal: 'reachable' as const, namespace, ...files }, 503);
    });
}
