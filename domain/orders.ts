// The shapes of Baton's order API (baton-api.md, "Durable orders"); they validate requests and
// generate the OpenAPI document. The workflow uses the matching TypeScript types in definitions/.
import { z } from '@hono/zod-openapi';
import { Address, Id, LineItem, Money, PaymentMethod } from './schemas';

export const OrderRequest = z
  .object({
    orderId: Id,
    customerId: Id,
    items: z.array(LineItem).min(1).max(100),
    amount: Money,
    paymentMethod: PaymentMethod,
    shippingAddress: Address,
  })
  .openapi('OrderRequest');
export type OrderRequest = z.infer<typeof OrderRequest>;

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

const StepName = z.enum(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
const CompensationName = z.enum(['refundPayment', 'releaseReservation', 'cancelShipment']);

export const OrderState = z
  .object({
    orderId: z.string(),
    status: OrderStatus,
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
    compensations: z.array(
      z.object({
        name: CompensationName,
        status: z.enum(['completed', 'failed']),
        attempts: z.number().int(),
        error: z.string().optional(),
      }),
    ),
    failure: z.object({ step: StepName, reason: z.string(), detail: z.string().optional() }).optional(),
    unresolved: z
      .array(z.object({ compensation: CompensationName, step: StepName, id: z.string().optional(), error: z.string() }))
      .optional()
      .describe('Effects left in place when an operator abandoned the compensations'),
  })
  .openapi('OrderState');

export const OrderAccepted = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    status: OrderStatus,
    links: z.object({ self: z.string(), temporalUi: z.string().url() }),
  })
  .openapi('OrderAccepted');
export type OrderAccepted = z.infer<typeof OrderAccepted>;

export const ResolveRequest = z.object({ action: z.enum(['retry', 'abandon']) }).openapi('ResolveRequest');
