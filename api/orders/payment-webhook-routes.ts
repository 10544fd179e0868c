// The payments service's callback: a settled payment signals its order's workflow. The route sits
// outside the global bearer check and authenticates itself: the token in the callbackUrl Baton gave
// (it signs the order and an expiry) or, for operators and tests, a bearer token. Even then the event
// is only a notice: the order asks the payments service's record before it moves (workflows/order-workflow.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { orderQueries, orderSignals, orderWorkflow } from '../../contracts';
import { Id, PaymentEvent } from '../../contracts';
import type { AppEnv } from '../http/deps';
import { hasValidBearer, tokenDigests } from '../http/middleware/auth';
import { errorsFor, problems } from '../http/problems';
import { createRouter } from '../http/router';
import { verifyCallback } from './callback-signature';

const unauthorized = () => problems.unauthorized('A callback token signed for this order, or a valid bearer token, is required.');

const hasBearer = (header: string | undefined, tokens: readonly string[]) => hasValidBearer(header, tokenDigests(tokens));

/** Refuses a caller with no credential at all before the body is even read. */
const someCredential: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.req.query('token') && !hasBearer(c.req.header('authorization'), c.var.deps.config.apiTokens)) throw unauthorized();
  await next();
};

const CallbackQuery = z.object({
  token: z.string().max(128).optional().openapi({ description: 'HMAC-SHA256 of the order and the expiry, as put in the callbackUrl' }),
  orderId: Id.optional().openapi({ description: 'The order the token was issued for' }),
  exp: z.string().max(16).optional().openapi({ description: 'When the token expires (Unix seconds), as put in the callbackUrl' }),
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
    ...errorsFor(400, 401, 404, 409, 503),
  },
});

export function webhookRoutes() {
  const router = createRouter();
  router.use(paymentEvent.path, someCredential);
  return router.openapi(paymentEvent, async (c) => {
    const { config, temporal } = c.var.deps;
    const event = c.req.valid('json');
    const { token, orderId, exp } = c.req.valid('query');
    if (!hasBearer(c.req.header('authorization'), config.apiTokens)) {
      // The token must sign this event's order: a token for another order proves nothing about this one.
      const verdict = orderId === undefined || orderId === event.orderId ? verifyCallback(config.webhookSecrets, event.orderId, exp, token) : 'invalid';
      if (verdict === 'expired') throw problems.unauthorized('The callback token has expired.', true);
      if (verdict !== 'valid') throw unauthorized();
    }

    const handle = temporal.client.workflow.getHandle(orderWorkflow.workflowId(event.orderId));
    const description = await handle.describe(); // 404 when there is no such order
    if (description.status.name === 'RUNNING') {
      // The token cannot sign the payment (its ID is the payments service's, issued after the URL): the order knows it.
      const paymentId = await handle.query(orderQueries.state).then(
        (state) => state.paymentId,
        () => undefined, // no worker to answer: the order ignores a notice about another payment anyway
      );
      if (paymentId !== undefined && paymentId !== event.paymentId)
        throw problems.conflict(`Payment ${event.paymentId} is not the payment of order ${event.orderId}.`);
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
