// What the API itself adds to a workflow's input before starting it: values a client must not choose
// (the signed payment callback) and the deployment's settings. Both POST /orders and the generic
// POST /workflows/order go through here, so an order never depends on the route that started it.
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, orderWorkflow, type OrderInput } from '../definitions';
import type { AppConfig } from './deps';
import { paymentCallbackUrl } from './webhook-signature';

type OrderFields = Omit<OrderInput, 'callbackUrl' | 'paymentClearanceTimeout' | 'timings'>;

export function completeOrderInput(order: OrderFields, config: AppConfig): OrderInput {
  return {
    ...order,
    callbackUrl: paymentCallbackUrl(config.publicUrl, config.webhookSecret, order.orderId),
    paymentClearanceTimeout: config.paymentClearanceTimeout ?? DEFAULT_PAYMENT_CLEARANCE_TIMEOUT,
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
