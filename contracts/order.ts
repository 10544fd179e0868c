// The order saga's contract, once: its input, state, timings and messages as zod schemas; every type
// is inferred. Its plain values (ID rule, defaults, message definitions, idempotency keys) are in
// ./order-basics, which the workflow imports instead: the workflow bundle carries no zod. The API adds
// OpenAPI names and examples on its side (api/orders/schemas.ts); nothing here is restated there.
import { z } from 'zod';
import { defineWorkflow, Timespan } from './define-workflow';
import { Address, LineItem, Money, PaymentMethod } from './downstream';
import { Id } from './ids';
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, orderWorkflow } from './order-basics';
import { orderDetails, orderSummary } from './order-summary';
import { orderSearchAttributes } from './search-attributes';

export const OrderStatus = z.enum([
  'received',
  'awaiting_payment',
  'reserving',
  'shipping',
  'completed',
  'compensating',
  'failed',
  'cancelled',
  'needs_attention',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const StepName = z.enum(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
export type StepName = z.infer<typeof StepName>;
export const CompensationName = z.enum(['refundPayment', 'releaseReservation', 'cancelShipment']);
export type CompensationName = z.infer<typeof CompensationName>;

export const FailureReason = z.enum([
  'payment_declined',
  'payment_failed',
  'payment_not_cleared',
  'out_of_stock',
  'address_rejected',
  'request_rejected',
  'service_unavailable',
  'bad_response',
  'cancelled',
  'unexpected',
]);
export type FailureReason = z.infer<typeof FailureReason>;

export const StepRecord = z.object({
  name: StepName,
  status: z.enum(['running', 'completed', 'failed', 'compensated']),
  attempts: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const CompensationRecord = z.object({
  name: CompensationName,
  status: z.enum(['completed', 'failed']),
  attempts: z.number().int(),
  error: z.string().optional(),
});
export type CompensationRecord = z.infer<typeof CompensationRecord>;

export const OrderFailure = z.object({ step: StepName, reason: FailureReason, detail: z.string().optional() });
export type OrderFailure = z.infer<typeof OrderFailure>;

/** An effect Baton could not undo and an operator gave up on. */
export const UnresolvedEffect = z.object({
  compensation: CompensationName,
  step: StepName,
  /** The downstream ID of the effect, when known. */
  id: z.string().optional(),
  error: z.string(),
});
export type UnresolvedEffect = z.infer<typeof UnresolvedEffect>;

export const OrderState = z.object({
  orderId: z.string(),
  status: OrderStatus,
  paymentId: z.string().optional(),
  reservationId: z.string().optional(),
  shipmentId: z.string().optional(),
  steps: z.array(StepRecord),
  compensations: z.array(CompensationRecord),
  failure: OrderFailure.optional(),
  /** Set when an operator abandoned compensations that kept failing. */
  unresolved: z.array(UnresolvedEffect).optional(),
});
export type OrderState = z.infer<typeof OrderState>;

/** Options of one kind of activity call; each compensation has its own. */
export const CallTimings = z.object({
  /** One attempt; the worker's HTTP timeout sits below it. */
  startToCloseTimeout: Timespan,
  /**
   * How soon a silent attempt (its worker died) counts as lost, and how a cancellation reaches a
   * running attempt. DEFAULT_HEARTBEAT_TIMEOUT when absent.
   */
  heartbeatTimeout: Timespan.optional(),
  retry: z.object({ initialInterval: Timespan, backoffCoefficient: z.number().min(1), maximumInterval: Timespan, maximumAttempts: z.number().int().min(1) }),
});
export type CallTimings = z.infer<typeof CallTimings>;

export const OrderTimings = z.object({
  /** The forward steps: authorize, read, reserve, ship. */
  steps: CallTimings,
  compensations: z.object({ refundPayment: CallTimings, releaseReservation: CallTimings, cancelShipment: CallTimings }),
});
export type OrderTimings = z.infer<typeof OrderTimings>;

export const OrderInput = z.object({
  orderId: Id,
  customerId: Id,
  items: z.array(LineItem).min(1).max(100),
  amount: Money,
  paymentMethod: PaymentMethod,
  shippingAddress: Address,
  /** Where the payments service reports a settled bank transfer (signed by the API). */
  callbackUrl: z.string().url().optional(),
  /** How long a pending payment may take to clear before the order gives up. */
  paymentClearanceTimeout: Timespan.default(DEFAULT_PAYMENT_CLEARANCE_TIMEOUT),
  timings: OrderTimings.optional(),
});
export type OrderInput = z.output<typeof OrderInput>;

/**
 * The fields Baton sets itself: the signed callback, and the deployment's clearance timeout and call
 * policies. No client sends them, on any route (a token holder must not set the retry policy of a refund).
 */
export const ORDER_SERVER_FIELDS = ['callbackUrl', 'paymentClearanceTimeout', 'timings'] as const;

/** What a client sends to place an order: the input without the server's fields. */
export const OrderRequest = OrderInput.omit({ callbackUrl: true, paymentClearanceTimeout: true, timings: true });
export type OrderRequest = z.infer<typeof OrderRequest>;

/** A settled payment, as the payments service reports it (the webhook's body, and the signal's payload). */
export const PaymentEvent = z.object({ paymentId: z.string().min(1).max(128), orderId: Id, status: z.enum(['cleared', 'failed']) });
export type PaymentEvent = z.infer<typeof PaymentEvent>;

export const ResolveAction = z.enum(['retry', 'abandon']);
export type ResolveAction = z.infer<typeof ResolveAction>;
export const ResolveRequest = z.object({ action: ResolveAction });

/** The workflow's signature, for typed client handles. */
export type OrderWorkflow = (input: OrderInput) => Promise<OrderState>;

export const orderDefinition = defineWorkflow({
  type: orderWorkflow.type,
  description: 'The durable order saga: authorize payment, wait for clearance, reserve stock, ship; compensates on failure.',
  input: OrderInput,
  result: OrderState,
  serverFields: ORDER_SERVER_FIELDS,
  signals: {
    /** A settled payment, as the payments service reports it; duplicates are ignored. */
    paymentEvent: PaymentEvent,
    /** The operator's answer to an order in needs_attention; ignored at any other time. */
    resolve: ResolveRequest,
  },
  queries: { state: OrderState },
  updates: {
    /** Answers once the payment is authorized (or the order has failed): the early return of a start. */
    paymentAuthorized: { args: z.object({}), result: OrderState },
  },
  idPrefix: orderWorkflow.idPrefix,
  idFrom: 'input',
  workflowId: (input) => orderWorkflow.workflowId(input.orderId),
  idReusePolicy: 'REJECT_DUPLICATE',
  idConflictPolicy: 'FAIL',
  earlyReturnUpdate: 'paymentAuthorized',
  // CustomerId and OrderStatus: the Web UI and GET /orders find the run by them.
  searchAttributes: (input) => orderSearchAttributes(input),
  describeRun: (input) => ({ summary: orderSummary(input), details: orderDetails(input) }),
  // One customer's burst of orders must not hold up another customer's (docs/operations.md, fairness).
  fairnessKey: (input) => input.customerId,
});
