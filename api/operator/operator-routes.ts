// The operator's routes (scope `operator`, api/http/scopes.ts): which orders need a person, and a hand
// on a running order's step. Every action is written to the log as an audit line: who, what, which
// order and activity, why.
import { createRoute, z } from '@hono/zod-openapi';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Context } from 'hono';
import { orderWorkflow } from '../../contracts';
import type { AppEnv } from '../http/deps';
import { Links } from '../http/links';
import { json } from '../http/openapi-names';
import { errorsFor } from '../http/problems';
import { createRouter } from '../http/router';
import { ordersNeedingAPerson } from './attention';
import { controlStep, type StepAction } from './step-controls';
import { OrderIdParam } from '../orders/schemas';

/** A duration as Temporal writes them: `90s`, `5 minutes`, `2h`. */
const Duration = z
  .string()
  .max(64)
  .refine((value) => {
    try {
      return msToNumber(value as Parameters<typeof msToNumber>[0]) > 0;
    } catch {
      return false;
    }
  }, 'must be a positive duration such as 90s, 5 minutes or 2h');

const RunningStep = z
  .object({
    activityId: z.string(),
    activityType: z.string(),
    attempt: z.number().int(),
    state: z.string().describe('SCHEDULED (waiting for its next attempt), STARTED, PAUSED, PAUSE_REQUESTED, CANCEL_REQUESTED'),
    paused: z.boolean(),
    lastError: z.string().optional(),
    lastFailedAt: z.string().optional(),
    nextAttemptAt: z.string().optional(),
  })
  .openapi('RunningStep');

const AttentionItem = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    reason: z.enum(['needs_attention', 'step_retrying']),
    step: RunningStep.extend({ name: z.string(), startedAt: z.string(), retryingForMs: z.number().int() }).optional(),
    links: Links,
  })
  .openapi('AttentionItem');

const AttentionQuery = z.object({
  retryingFor: Duration.default('5 minutes').openapi({ param: { name: 'retryingFor', in: 'query' }, example: '5 minutes' }),
  scanLimit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(200)
    .openapi({ param: { name: 'scanLimit', in: 'query' } }),
});

const attention = createRoute({
  method: 'get',
  path: '/operator/orders',
  tags: ['operator'],
  summary: 'Orders that need a person: in needs_attention, or with a step retrying for longer than `retryingFor`',
  security: [{ bearer: [] }],
  request: { query: AttentionQuery },
  responses: {
    200: json(z.object({ orders: z.array(AttentionItem), scanned: z.number().int() }).openapi('AttentionList'), 'The orders, needs_attention first'),
    ...errorsFor(400, 401, 403, 503),
  },
});

const StepActionRequest = z
  .object({
    reason: z.string().min(1).max(500).describe('Why: kept in Temporal (pause) and in the audit log'),
    resetAttempts: z.boolean().optional().describe('unpause only: start the attempts over at 1'),
  })
  .openapi('StepActionRequest');
const StepActionAnswer = z.object({ orderId: z.string(), action: z.enum(['pause', 'unpause', 'reset']), step: RunningStep }).openapi('StepActionAnswer');

const stepRoute = (action: StepAction, summary: string) =>
  createRoute({
    method: 'post',
    path: `/orders/{orderId}/step/${action}`,
    tags: ['operator'],
    summary,
    security: [{ bearer: [] }],
    request: { params: OrderIdParam, body: { required: true, content: { 'application/json': { schema: StepActionRequest } } } },
    responses: {
      200: json(StepActionAnswer, 'Done; the step as it is now'),
      ...errorsFor(400, 401, 403, 404, 409, 503),
    },
  });

/** Who acted, for Temporal's `identity` and the audit line: never a token, only what names its holder. */
export function operatorIdentity(c: Context<AppEnv>): string {
  const principal = c.var.principal;
  if (principal?.kind === 'jwt') return `baton-operator:${principal.subject}${principal.tenant !== undefined ? `@${principal.tenant}` : ''}`;
  return 'baton-operator:static-token';
}

export function operatorRoutes() {
  const router = createRouter().openapi(attention, async (c) => {
    const { config, temporal } = c.var.deps;
    const { retryingFor, scanLimit } = c.req.valid('query');
    const found = await ordersNeedingAPerson(temporal.client, config, {
      retryingForMs: msToNumber(retryingFor as Parameters<typeof msToNumber>[0]),
      scanLimit,
    });
    return c.json(found, 200);
  });
  const actions: [StepAction, string][] = [
    ['pause', "Pause the running step's activity: no further attempts until it is unpaused (the running one ends on its own)"],
    ['unpause', 'Let a paused step go again: its next attempt is scheduled at once'],
    ['reset', "Start the running step's attempts over at 1 (a paused step stays paused)"],
  ];
  for (const [action, summary] of actions) {
    router.openapi(stepRoute(action, summary), async (c) => {
      const { config, temporal, logger } = c.var.deps;
      const { orderId } = c.req.valid('param');
      const { reason, resetAttempts } = c.req.valid('json');
      const identity = operatorIdentity(c);
      const workflowId = orderWorkflow.workflowId(orderId);
      const step = await controlStep(temporal, config.namespace, workflowId, action, {
        identity,
        reason,
        ...(resetAttempts !== undefined && { resetAttempts }),
      });
      logger.info(
        { audit: true, action: `step.${action}`, operator: identity, orderId, workflowId, activityId: step.activityId, reason, requestId: c.var.requestId },
        `operator: ${action} step`,
      );
      return c.json({ orderId, action, step }, 200);
    });
  }
  return router;
}
