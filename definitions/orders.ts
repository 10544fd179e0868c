// The durable order saga: its workflow type, ID rule, messages, input, state and timings.
// Workflow-safe: only types come from domain/, and @temporalio/workflow's define* helpers are pure.
import type { Address, LineItem, Money, PaymentMethod } from '../domain/schemas';

export const orderWorkflow = {
  type: 'order',
  idPrefix: 'order-',
  /** One workflow per order, for ever: the ID is the order's, and the API never reuses it. */
  workflowId: (orderId: string) => `order-${orderId}`,
} as const;

/**
 * A Temporal duration: milliseconds, or text such as "3 days". Spelled out here because the SDK's
 * own Duration type comes from a package whose typings do not resolve under this project's settings.
 */
export type Timespan = number | string;

export const DEFAULT_PAYMENT_CLEARANCE_TIMEOUT: Timespan = '3 days';

export type OrderStatus =
  | 'received'
  | 'awaiting_payment'
  | 'reserving'
  | 'shipping'
  | 'completed'
  | 'compensating'
  | 'failed'
  | 'cancelled'
  | 'needs_attention';

/** Statuses after which nothing happens any more. */
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['completed', 'failed', 'cancelled'];

export type StepName = 'authorizePayment' | 'awaitPaymentClearance' | 'reserveInventory' | 'createShipment';
export type CompensationName = 'refundPayment' | 'releaseReservation' | 'cancelShipment';

export type FailureReason =
  | 'payment_declined'
  | 'payment_failed'
  | 'payment_not_cleared'
  | 'out_of_stock'
  | 'address_rejected'
  | 'request_rejected'
  | 'service_unavailable'
  | 'bad_response'
  | 'cancelled'
  | 'unexpected';

export interface StepRecord {
  name: StepName;
  status: 'running' | 'completed' | 'failed' | 'compensated';
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

export interface CompensationRecord {
  name: CompensationName;
  status: 'completed' | 'failed';
  attempts: number;
  error?: string;
}

export interface OrderFailure {
  step: StepName;
  reason: FailureReason;
  detail?: string;
}

/** An effect Baton could not undo and an operator gave up on. */
export interface UnresolvedEffect {
  compensation: CompensationName;
  step: StepName;
  /** The downstream ID of the effect, when known. */
  id?: string;
  error: string;
}

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  paymentId?: string;
  reservationId?: string;
  shipmentId?: string;
  steps: StepRecord[];
  compensations: CompensationRecord[];
  failure?: OrderFailure;
  /** Set when an operator abandoned compensations that kept failing. */
  unresolved?: UnresolvedEffect[];
}

/** Options of one kind of activity call; each compensation has its own. */
export interface CallTimings {
  /** One attempt; the worker's HTTP timeout sits below it. */
  startToCloseTimeout: Timespan;
  /**
   * How soon a silent attempt (its worker died) counts as lost, and how a cancellation reaches a
   * running attempt. DEFAULT_HEARTBEAT_TIMEOUT when absent.
   */
  heartbeatTimeout?: Timespan;
  retry: { initialInterval: Timespan; backoffCoefficient: number; maximumInterval: Timespan; maximumAttempts: number };
}

export interface OrderTimings {
  /** The forward steps: authorize, read, reserve, ship. */
  steps: CallTimings;
  compensations: Record<CompensationName, CallTimings>;
}

const retry = (maximumAttempts: number, maximumInterval: Timespan): CallTimings['retry'] => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
});

export const DEFAULT_HEARTBEAT_TIMEOUT: Timespan = '5 seconds';

/** Carried in the input, so a change of defaults never alters a running order's history. */
export const DEFAULT_ORDER_TIMINGS: OrderTimings = {
  steps: { startToCloseTimeout: '30 seconds', retry: retry(5, '30 seconds') },
  compensations: {
    // Money first: a refund keeps trying longest before an operator is asked.
    refundPayment: { startToCloseTimeout: '30 seconds', retry: retry(12, '2 minutes') },
    releaseReservation: { startToCloseTimeout: '30 seconds', retry: retry(8, '1 minute') },
    cancelShipment: { startToCloseTimeout: '30 seconds', retry: retry(8, '1 minute') },
  },
};

export interface OrderInput {
  orderId: string;
  customerId: string;
  items: LineItem[];
  amount: Money;
  paymentMethod: PaymentMethod;
  shippingAddress: Address;
  /** Where the payments service reports a settled bank transfer (signed by the API). */
  callbackUrl?: string;
  /** How long a pending payment may take to clear before the order gives up. */
  paymentClearanceTimeout: Timespan;
  timings?: OrderTimings;
}

/** The workflow's signature, for typed client handles. */
export type OrderWorkflow = (input: OrderInput) => Promise<OrderState>;

export type ResolveAction = 'retry' | 'abandon';

// Signals, queries and the early-return update: orderDefinition (order-definition.ts).

/**
 * The Idempotency-Key of one downstream call. A retried activity reuses it, so nothing happens
 * twice; an operator's retry of a compensation (round > 1) gets a fresh one, because refunds and
 * releases are idempotent by nature and a kept answer (say a 404) must not be replayed for ever.
 */
export function orderIdempotencyKey(workflowId: string, call: StepName | CompensationName, round = 1): string {
  return round > 1 ? `${workflowId}:${call}:retry-${round - 1}` : `${workflowId}:${call}`;
}
