// Shipping: create a shipment and cancel it.
import { FailureType } from '../contracts/activity-failures';
import { Shipment, type Address, type LineItem } from '../contracts';
import { attempted } from './attempts';
import type { ActivityContext } from './context';
import { idSegment, isSuccess, send } from './call-downstream';
import { failureFor, parseOrFail } from './http-failures';

export interface CreateShipmentInput {
  idempotencyKey: string;
  orderId: string;
  address: Address;
  items: LineItem[];
}

export interface CancelShipmentInput {
  idempotencyKey: string;
  shipmentId: string;
}

export function createShippingActivities(ctx: ActivityContext) {
  return {
    /** 422 is an address the service cannot serve (final); the same key returns the first shipment. */
    createShipment: ({ idempotencyKey, orderId, address, items }: CreateShipmentInput) =>
      attempted(async () => {
        const res = await send(ctx, 'shipping', { method: 'POST', path: '/shipments', body: { orderId, address, items }, idempotencyKey });
        if (!isSuccess(res.status)) throw failureFor('shipping', res, { 422: FailureType.AddressRejected });
        return parseOrFail('shipping', Shipment, res.body);
      }),

    /** The contract's 404 means "already cancelled": what a compensation wants, so it succeeds. */
    cancelShipment: ({ idempotencyKey, shipmentId }: CancelShipmentInput) =>
      attempted(async (): Promise<'cancelled' | 'already_cancelled'> => {
        const res = await send(ctx, 'shipping', { method: 'DELETE', path: `/shipments/${idSegment('shipping', shipmentId)}`, idempotencyKey });
        if (res.status === 404) return 'already_cancelled';
        if (!isSuccess(res.status)) throw failureFor('shipping', res);
        return 'cancelled';
      }),
  };
}
