// Every place the saga can stop runs exactly the compensations of the steps before it, newest first,
// as the order's state and the sample services' own records both show. Time-skipping, so that
// exhausted retries take no real time.
import { describe, expect, it } from 'vitest';
import { orderWorkflow, type OrderInput, type OrderWorkflow } from '../../../contracts';
import { startSampleServices } from '../../../dev/services';
import { effects, FAST_TIMINGS, names, orderInput, setFaults } from '../../support/orders';
import { realActivities, startWorker, useSagaOnTimeSkipping } from '../../support/time-skipping';

const saga = useSagaOnTimeSkipping({ httpTimeoutMs: 300 });
const run = (input: OrderInput) => saga.execute(input);

describe('failure points', () => {
  it('payment declined: nothing took effect, nothing is compensated', async () => {
    const input = orderInput({ customerId: 'declined-7' });
    const final = await run(input);

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'authorizePayment', reason: 'payment_declined' });
    expect(final.steps).toMatchObject([{ name: 'authorizePayment', status: 'failed', attempts: 1 }]);
    expect(final.compensations).toEqual([]);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 0, refunds: 0, declines: 1 },
      inventory: { reservations: 0, releases: 0, active: 0 },
      shipping: { shipments: 0, cancellations: 0 },
    });
  });

  it('out of stock: the payment is refunded', async () => {
    // The payment's record, read beside the reservation, is cancelled when the reservation is refused. Had the read
    // answered while that workflow task was in flight, this time-skipping test server (unlike Temporal's own, which
    // finds the answer among its buffered events) would leave the order hanging: the read answers later here.
    await setFaults(saga.services.urls.payments, { latencyMs: 200 });
    const input = orderInput({ items: [{ sku: 'OOS-widget', quantity: 1 }] });
    const final = await run(input);

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'reserveInventory', reason: 'out_of_stock' });
    expect(final.steps).toMatchObject([
      { name: 'authorizePayment', status: 'compensated' },
      { name: 'reserveInventory', status: 'failed', attempts: 1 },
    ]);
    expect(final.compensations).toEqual([{ name: 'refundPayment', status: 'completed', attempts: 1 }]);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 1, refunds: 1, declines: 0 },
      inventory: { reservations: 0, releases: 0, active: 0 },
      shipping: { shipments: 0, cancellations: 0 },
    });
  });

  it('address rejected: the reservation is released, then the payment refunded', async () => {
    const input = orderInput({ shippingAddress: { line1: '1 Main St', city: 'Pyongyang', postalCode: '00000', country: 'KP' } });
    const final = await run(input);

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'createShipment', reason: 'address_rejected' });
    expect(names(final.compensations)).toEqual(['releaseReservation', 'refundPayment']);
    expect(final.compensations.every((c) => c.status === 'completed')).toBe(true);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 1, refunds: 1, declines: 0 },
      inventory: { reservations: 1, releases: 1, active: 0 },
      shipping: { shipments: 0, cancellations: 0 },
    });
  });

  it('shipping down until the retries are exhausted: the reservation is released, then the payment refunded', async () => {
    await setFaults(saga.services.urls.shipping, { failNext: 1000, failStatus: 503 });
    const input = orderInput();
    const final = await run(input);

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'createShipment', reason: 'service_unavailable' });
    expect(final.steps.at(-1)).toMatchObject({ name: 'createShipment', status: 'failed', attempts: FAST_TIMINGS.steps.retry.maximumAttempts });
    expect(names(final.compensations)).toEqual(['releaseReservation', 'refundPayment']);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 1, refunds: 1, declines: 0 },
      inventory: { reservations: 1, releases: 1, active: 0 },
      shipping: { shipments: 0, cancellations: 0 },
    });
  });

  it('shipping unreachable (nothing listening): same compensations, nothing sent to shipping', async () => {
    const closed = await startSampleServices();
    const deadShipping = closed.urls.shipping;
    await closed.close();
    const { activities, http } = realActivities({ ...saga.services.urls, shipping: deadShipping }, 300);
    const other = await startWorker(saga.env, activities);
    try {
      const input = orderInput();
      const final = await saga.env.client.workflow.execute<OrderWorkflow>(orderWorkflow.type, {
        taskQueue: other.taskQueue,
        workflowId: orderWorkflow.workflowId(input.orderId),
        args: [input],
      });
      expect(final.failure).toMatchObject({ step: 'createShipment', reason: 'service_unavailable' });
      expect(names(final.compensations)).toEqual(['releaseReservation', 'refundPayment']);
      expect(await effects(saga.services.urls, input.orderId)).toMatchObject({ payments: { refunds: 1 }, inventory: { active: 0 } });
    } finally {
      await other.stop();
      await http.close();
    }
  });
});

describe('lost responses', () => {
  it('services that commit and then answer 503 still charge, reserve and ship exactly once', async () => {
    await Promise.all(['payments', 'inventory', 'shipping'].map((s) => setFaults(saga.services.urls[s as 'payments'], { commitThenFail: 1 })));
    const input = orderInput();
    const final = await run(input);

    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => [s.name, s.attempts])).toEqual([
      ['authorizePayment', 2],
      ['reserveInventory', 2],
      ['createShipment', 2],
    ]);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 1, refunds: 0, declines: 0 },
      inventory: { reservations: 1, releases: 0, active: 1 },
      shipping: { shipments: 1, cancellations: 0 },
    });
  });

  it('services that hang past the timeout on the first attempts still act exactly once', async () => {
    await Promise.all(['payments', 'inventory', 'shipping'].map((s) => setFaults(saga.services.urls[s as 'payments'], { hangNext: 2 })));
    const input = orderInput();
    const final = await run(input);

    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => s.attempts)).toEqual([3, 3, 3]);
    expect(await effects(saga.services.urls, input.orderId)).toEqual({
      payments: { charges: 1, refunds: 0, declines: 0 },
      inventory: { reservations: 1, releases: 0, active: 1 },
      shipping: { shipments: 1, cancellations: 0 },
    });
  });
});
