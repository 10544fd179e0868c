// The order saga as one definition: its input, result, messages and ID rule, in plain zod so the
// workflow bundle can import it. The types of definitions/orders.ts stay the workflow's own; the
// schemas below are checked against them at compile time.
import { z } from 'zod';
import { defineWorkflow } from './define-workflow';
import { Id } from './ids';
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, orderWorkflow, type OrderInput, type OrderState, type ResolveAction } from './orders';

const Timespan = z.union([z.number().int().min(0), z.string().min(1).max(64)]);
const Money = z.object({ currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'), value: z.number().int().min(0) });
const LineItem = z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1) });
const Address = z.object({
  name: z.string().max(200).optional(),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE'),
});
const CallTimings = z.object({
  startToCloseTimeout: Timespan,
  heartbeatTimeout: Timespan.optional(),
  retry: z.object({ initialInterval: Timespan, backoffCoefficient: z.number().min(1), maximumInterval: Timespan, maximumAttempts: z.number().int().min(1) }),
});

export const OrderInputSchema = z.object({
  orderId: Id,
  customerId: Id,
  items: z.array(LineItem).min(1).max(100),
  amount: Money,
  paymentMethod: z.enum(['card', 'bank_transfer']),
  shippingAddress: Address,
  callbackUrl: z.string().url().optional(),
  paymentClearanceTimeout: Timespan.default(DEFAULT_PAYMENT_CLEARANCE_TIMEOUT),
  timings: z
    .object({
      steps: CallTimings,
      compensations: z.object({ refundPayment: CallTimings, releaseReservation: CallTimings, cancelShipment: CallTimings }),
    })
    .optional(),
});

const StepName = z.enum(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
const CompensationName = z.enum(['refundPayment', 'releaseReservation', 'cancelShipment']);

export const OrderStateSchema: z.ZodType<OrderState, OrderState> = z.object({
  orderId: z.string(),
  status: z.enum(['received', 'awaiting_payment', 'reserving', 'shipping', 'completed', 'compensating', 'failed', 'cancelled', 'needs_attention']),
  paymentId: z.string().optional(),
  reservationId: z.string().optional(),
  shipmentId: z.string().optional(),
  steps: z.array(
    z.object({
      name: StepName,
      status: z.enum(['running', 'completed', 'failed', 'compensated']),
      attempts: z.number().int(),
      startedAt: z.string(),
      finishedAt: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
  compensations: z.array(z.object({ name: CompensationName, status: z.enum(['completed', 'failed']), attempts: z.number().int(), error: z.string().optional() })),
  failure: z
    .object({
      step: StepName,
      reason: z.enum([
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
      ]),
      detail: z.string().optional(),
    })
    .optional(),
  unresolved: z.array(z.object({ compensation: CompensationName, step: StepName, id: z.string().optional(), error: z.string() })).optional(),
});

export const PaymentEventSchema = z.object({ paymentId: z.string().min(1).max(128), orderId: Id, status: z.enum(['cleared', 'failed']) });
const ResolveSchema = z.object({ action: z.enum(['retry', 'abandon']) }) satisfies z.ZodType<{ action: ResolveAction }>;

export const orderDefinition = defineWorkflow({
  type: orderWorkflow.type,
  description: 'The durable order saga: authorize payment, wait for clearance, reserve stock, ship; compensates on failure.',
  input: OrderInputSchema,
  result: OrderStateSchema,
  signals: {
    /** A settled payment, as the payments service reports it; duplicates are ignored. */
    paymentEvent: PaymentEventSchema,
    /** The operator's answer to an order in needs_attention; ignored at any other time. */
    resolve: ResolveSchema,
  },
  queries: { state: OrderStateSchema },
  updates: {
    /** Answers once the payment is authorized (or the order has failed): the early return of a start. */
    paymentAuthorized: { args: z.object({}), result: OrderStateSchema },
  },
  idPrefix: orderWorkflow.idPrefix,
  idFrom: 'input',
  /** One workflow per order, for ever: the ID is the order's, and the API never reuses it. */
  workflowId: (input) => orderWorkflow.workflowId(input.orderId),
  idReusePolicy: 'REJECT_DUPLICATE',
  idConflictPolicy: 'FAIL',
  earlyReturnUpdate: 'paymentAuthorized',
});

export const orderSignals = orderDefinition.signal;
export const orderQueries = orderDefinition.query;
export const orderUpdates = orderDefinition.update;

// The schema's output must be a workflow input as the workflow declares it.
type Assignable<T extends U, U> = T;
export type _OrderInputMatches = Assignable<z.output<typeof OrderInputSchema>, OrderInput>;
