// Inventory: reserve stock and release it.
import { FailureType } from '../contracts/activity-failures';
import { Reservation, type LineItem } from '../contracts';
import { attempted } from './attempts';
import type { ActivityContext } from './context';
import { idSegment, isSuccess, send } from './call-downstream';
import { failureFor, parseOrFail } from './http-failures';

export interface ReserveInventoryInput {
  idempotencyKey: string;
  orderId: string;
  items: LineItem[];
}

export interface ReleaseReservationInput {
  idempotencyKey: string;
  reservationId: string;
}

export function createInventoryActivities(ctx: ActivityContext) {
  return {
    /** 409 is out of stock (final); the same key always returns the first reservation. */
    reserveInventory: ({ idempotencyKey, orderId, items }: ReserveInventoryInput) =>
      attempted(async () => {
        const res = await send(ctx, 'inventory', { method: 'POST', path: '/reservations', body: { orderId, items }, idempotencyKey });
        if (!isSuccess(res.status)) throw failureFor('inventory', res, { 409: FailureType.OutOfStock });
        return parseOrFail('inventory', Reservation, res.body);
      }),

    /** The contract's 404 means "already released": what a compensation wants, so it succeeds. */
    releaseReservation: ({ idempotencyKey, reservationId }: ReleaseReservationInput) =>
      attempted(async (): Promise<'released' | 'already_released'> => {
        const res = await send(ctx, 'inventory', { method: 'DELETE', path: `/reservations/${idSegment('inventory', reservationId)}`, idempotencyKey });
        if (res.status === 404) return 'already_released';
        if (!isSuccess(res.status)) throw failureFor('inventory', res);
        return 'released';
      }),
  };
}
