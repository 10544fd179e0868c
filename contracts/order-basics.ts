// The order contract's plain values: its ID rule, defaults, Temporal message definitions and
// idempotency keys. No zod here (types only, from ./order): the workflow bundle imports this module,
// and every module a bundle imports is run again for each workflow it starts, and kept in memory for
// each workflow the worker caches. zod's schemas cost about a third of a worker's CPU per order and
// most of a cached order's memory (docs/benchmark-journal.md, "the durable path").
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Timespan } from './define-workflow';
import type { CallTimings, CompensationName, OrderState, OrderStatus, OrderTimings, PaymentEvent, ResolveAction, StepName } from './order';

export const orderWorkflow = {
  type: 'order',
  idPrefix: 'order-',
  /** One workflow per order, for ever: the ID is the order's, and the API never reuses it. */
  workflowId: (orderId: string) => `order-${orderId}`,
} as const;

export const DEFAULT_PAYMENT_CLEARANCE_TIMEOUT: Timespan = '3 days';

/** Statuses after which nothing happens any more. */
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['completed', 'failed', 'cancelled'];

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

/**
 * The order's messages, as the workflow sets its handlers for them. orderDefinition (./order) gives
 * each its schema; the compiler checks there that both name the same messages with the same types.
 */
export const orderSignals = {
  /** A settled payment, as the payments service reports it; duplicates are ignored. */
  paymentEvent: defineSignal<[PaymentEvent], 'paymentEvent'>('paymentEvent'),
  /** The operator's answer to an order in needs_attention; ignored at any other time. */
  resolve: defineSignal<[{ action: ResolveAction }], 'resolve'>('resolve'),
};
export const orderQueries = { state: defineQuery<OrderState, [], 'state'>('state') };
export const orderUpdates = {
  /** Answers once the payment is authorized (or the order has failed): the early return of a start. */
  paymentAuthorized: defineUpdate<OrderState, [Record<string, never>], 'paymentAuthorized'>('paymentAuthorized'),
};

/**
 * The Idempotency-Key of one downstream call. A retried activity reuses it, so nothing happens
 * twice; an operator's retry of a compensation (round > 1) gets a fresh one, because refunds and
 * releases are idempotent by nature and a kept answer (say a 404) must not be replayed for ever.
 */
export function orderIdempotencyKey(workflowId: string, call: StepName | CompensationName, round = 1): string {
  return round > 1 ? `${workflowId}:${call}:retry-${round - 1}` : `${workflowId}:${call}`;
}
