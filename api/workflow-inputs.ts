// What the API itself adds to a workflow's input before starting it: values a client must not choose
// (the signed payment callback) and the deployment's settings. Both POST /orders and the generic
// POST /workflows/order go through here, so an order never depends on the route that started it.
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, orderWorkflow, type OrderInput } from '../definitions';
import type { AppConfig } from './deps';
import { paymentCallbackUrl } from './webhook-signature';

type OrderFields = Omit<OrderInput, 'callbackUrl' | 'paymentClearanceTimeout' | 'timings'>;

/** How long after the clearance timeout a callback is still accepted: the payments service may retry a late delivery. */
const CALLBACK_GRACE_MS = 24 * 3_600_000;

export function completeOrderInput(order: OrderFields, config: AppConfig, nowMs = Date.now()): OrderInput {
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

const completers: Record<string, (input: unknown, config: AppConfig) => unknown> = {
  [orderWorkflow.type]: (input, config) => completeOrderInput(input as OrderInput, config),
};

/** The input as the workflow should get it; unchanged for types that need nothing added. */
export function completeWorkflowInput(type: string, input: unknown, config: AppConfig): unknown {
  const complete = completers[type];
  return complete ? complete(input, config) : input;
}
