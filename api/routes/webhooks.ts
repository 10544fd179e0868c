// The payments service's callback: a settled payment signals its order's workflow. The route sits
// outside the global bearer check and authenticates itself: the token in the callbackUrl Baton gave
// (it signs the order ID) or, for operators and tests, a bearer token.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { orderSignals, orderWorkflow } from '../../definitions';
import { Id, PaymentEvent } from '../../domain/schemas';
import type { AppEnv } from '../deps';
import { hasValidBearer, tokenDigests } from '../middleware/auth';
import { errorResponses, problems } from '../problems';
import { createRouter } from '../router';
import { verifyOrderSignature } from '../webhook-signature';

const unauthorized = () => problems.unauthorized('A callback token signed for this order, or a valid bearer token, is required.');

const hasBearer = (header: string | undefined, tokens: readonly string[]) => hasValidBearer(header, tokenDigests(tokens));

/** Refuses a caller with no credential at all before the body is even read. */
const someCredential: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.req.query('token') && !hasBearer(c.req.header('authorization'), c.var.deps.config.apiTokens)) throw unauthorized();
  await next();
};

const CallbackQuery = z.object({
  token: z.string().max(128).optional().openapi({ description: 'HMAC-SHA256 of the order ID, as put in the callbackUrl' }),
  orderId: Id.optional().openapi({ description: 'The order the token was issued for' }),
});

const Accepted = z.object({ orderId: z.string(), paymentId: z.string() }).openapi('PaymentEventAccepted');

const paymentEvent = createRoute({
  method: 'post',
  path: '/webhooks/payments',
  tags: ['webhooks'],
  summary: 'A settled payment, reported by the payments service',
  security: [{ bearer: [] }],
  request: { query: CallbackQuery, body: { required: true, content: { 'application/json': { schema: PaymentEvent } } } },
  responses: {
    202: { description: 'Passed on to the order (a repeated event changes nothing)', content: { 'application/json': { schema: Accepted } } },
    400: errorResponses[400],
    401: errorResponses[401],
    404: errorResponses[404],
    503: errorResponses[503],
  },
});

export function webhookRoutes() {
  const router = createRouter();
  router.use(paymentEvent.path, someCredential);
  return router.openapi(paymentEvent, async (c) => {
    const { config, temporal } = c.var.deps;
    const event = c.req.valid('json');
    const { token, orderId } = c.req.valid('query');
    const byBearer = hasBearer(c.req.header('authorization'), config.apiTokens);
    // The token must sign this event's order: a token for another order proves nothing about this one.
    const byToken = (orderId === undefined || orderId === event.orderId) && verifyOrderSignature(config.webhookSecret, event.orderId, token);
    if (!byBearer && !byToken) throw unauthorized();

    const handle = temporal.client.workflow.getHandle(orderWorkflow.workflowId(event.orderId));
    const description = await handle.describe(); // 404 when there is no such order
    if (description.status.name === 'RUNNING') {
      try {
        await handle.signal(orderSignals.paymentEvent, event);
      } catch (err) {
        // Closed between describe and signal: like any event for a closed order, nothing to do.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return c.json({ orderId: event.orderId, paymentId: event.paymentId }, 202);
  });
}
