// The order activities put IDs that services answered with (payment, reservation, shipment) into the
// paths of their undo calls. Over the real HTTP client to a real socket: whatever the ID, the call
// arrives at the path its endpoint names, or it is not made at all.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { createDownstreamClient, type DownstreamClient } from '../../../activities/http-client';
import { FailureType } from '../../../contracts';
import { json, startFakeBackend, type FakeBackend } from '../composition/fake-backend';

let service: FakeBackend;
let http: DownstreamClient;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  service = await startFakeBackend();
  http = createDownstreamClient({ timeoutMs: 2000 });
  const url = service.url;
  activities = createActivities({ http, urls: { users: url, orderHistory: url, loyalty: url, payments: url, inventory: url, shipping: url } });
});
afterAll(async () => {
  await http.close();
  await service.close();
});
beforeEach(() => {
  service.arrivals.length = 0;
  service.answer((req, res) => {
    if (req.url?.startsWith('/payments/')) return json(res, 200, { paymentId: 'p', orderId: 'o', status: 'refunded', amount: { currency: 'EUR', value: 1 } });
    if (req.url?.startsWith('/users/')) return json(res, 200, { id: 'u', name: 'n', email: 'e' });
    res.writeHead(204).end();
  });
});

const undo = (id: string) => [
  () => activities.refundPayment({ idempotencyKey: 'k', paymentId: id }),
  () => activities.releaseReservation({ idempotencyKey: 'k', reservationId: id }),
  () => activities.cancelShipment({ idempotencyKey: 'k', shipmentId: id }),
  () => activities.getUser(id),
];

describe('IDs in downstream paths', () => {
  it.each(['../../__admin/faults', '../refund', 'a/b?x=1#y', '%2e%2e%2f', '...'])('keeps %j in one segment of the undo calls', async (id) => {
    for (const call of undo(id)) await call();
    const seg = encodeURIComponent(id);
    expect(service.arrivals.map((a) => a.path)).toEqual([`/payments/${seg}/refund`, `/reservations/${seg}`, `/shipments/${seg}`, `/users/${seg}`]);
  });

  it.each(['..', '.', ''])('makes no call with %j, and fails for good', async (id) => {
    for (const call of undo(id)) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe(FailureType.Unsendable);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
    }
    expect(service.arrivals).toEqual([]);
  });
});
