// The order's server-owned fields (contracts/order.ts ORDER_SERVER_FIELDS): the signed payment callback
// and the deployment's clearance timeout and call policies. The starter (api/workflows/starter.ts)
// applies it to every order, whichever route placed it.
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, type OrderInput, type OrderRequest } from '../../contracts';
import type { AppConfig } from '../http/deps';
import type { ServerInput } from '../workflows/starter';
import { paymentCallbackUrl } from './callback-signature';

/** How long after the clearance timeout a callback is still accepted: the payments service may retry a late delivery. */
const CALLBACK_GRACE_MS = 24 * 3_600_000;

export function completeOrderInput(order: OrderRequest, config: AppConfig, nowMs = Date.now()): OrderInput {
  const paymentClearanceTimeout = config.paymentClearanceTimeout ?? DEFAULT_PAYMENT_CLEARANCE_TIMEOUT;
  const expiresAt = Math.ceil((nowMs + msToNumber(paymentClearanceTimeout) + CALLBACK_GRACE_MS) / 1000);
  const [signingSecret] = config.webhookSecrets;
  if (!signingSecret) throw new Error('no webhook secret configured');
  return {
    ...order,
    callbackUrl: paymentCallbackUrl(config.publicUrl, signingSecret, order.orderId, expiresAt),
    paymentClearanceTimeout,
    ...(config.orderTimings && { timings: config.orderTimings }),
  };
}

// The route validated the client's input against clientInputSchema(orderDefinition), i.e. OrderRequest.
export const orderServerInput: ServerInput = (input, config) => completeOrderInput(input as OrderRequest, config);
