// The days-long wait for a bank transfer, on a time-skipping server: the real workflow, real
// activities and real sample services; only the clock is fast.
import { describe, expect, it } from 'vitest';
import { orderSignals, type OrderInput, type OrderState } from '../../../contracts';
import { effects, names, orderInput, queryUntil, setFaults, settlePayment } from '../../support/orders';
import { useSagaOnTimeSkipping } from '../../support/time-skipping';

const saga = useSagaOnTimeSkipping();
const start = (input: OrderInput) => saga.start(input);

const awaiting = (s: OrderState) => s.status === 'awaiting_payment' && s.steps.some((step) => step.name === 'awaitPaymentClearance');
const hours = (state: OrderState, step: string) => {
  const record = state.steps.find((s) => s.name === step);
  return record?.finishedAt ? (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 3_600_000 : NaN;
};

describe('a bank transfer waits for clearance', () => {
  it('completes when the transfer clears after 2 days', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    const waiting = await queryUntil(handle, awaiting);
    const paymentId = waiting.paymentId!;

    await saga.env.sleep('2 days');
    await settlePayment(saga.services.urls.payments, paymentId, 'cleared');
    await handle.signal(orderSignals.paymentEvent, { paymentId, orderId: input.orderId, status: 'cleared' });

    const final = await handle.result();
    expect(final.status).toBe('completed');
    expect(names(final.steps)).toEqual(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
    expect(hours(final, 'awaitPaymentClearance')).toBeGreaterThanOrEqual(48);
    expect(final.compensations).toEqual([]);
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 0 },
      inventory: { reservations: 1, active: 1 },
      shipping: { shipments: 1 },
    });
  });

  it('refunds a transfer that never clears after the 3-day timeout and ends failed', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);

    const final = await handle.result(); // awaiting the result lets the server skip the 3 days

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'awaitPaymentClearance', reason: 'payment_not_cleared' });
    expect(hours(final, 'awaitPaymentClearance')).toBeGreaterThanOrEqual(72);
    expect(final.compensations).toEqual([{ name: 'refundPayment', status: 'completed', attempts: 1 }]);
    expect(final.steps.find((s) => s.name === 'authorizePayment')?.status).toBe('compensated');
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { reservations: 0 },
      shipping: { shipments: 0 },
    });
  });

  it('compensates at once when the transfer is reported failed', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    const { paymentId } = await queryUntil(handle, awaiting);

    await settlePayment(saga.services.urls.payments, paymentId!, 'failed');
    await handle.signal(orderSignals.paymentEvent, { paymentId: paymentId!, orderId: input.orderId, status: 'failed' });
    const final = await handle.result();

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'awaitPaymentClearance', reason: 'payment_failed' });
    expect(hours(final, 'awaitPaymentClearance')).toBeLessThan(1);
    expect(names(final.compensations)).toEqual(['refundPayment']);
    expect(names(final.steps)).not.toContain('reserveInventory');
  });

  it('takes no notice for proof: "cleared" while the record stays pending ends, after the timeout, refunded', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    const { paymentId } = await queryUntil(handle, awaiting);
    await handle.signal(orderSignals.paymentEvent, { paymentId: paymentId!, orderId: input.orderId, status: 'cleared' });
    // A signal with no payload at all, as the CLI can send one: ignored, the order goes on.
    await handle.signal(orderSignals.paymentEvent, null as never);

    const final = await handle.result();
    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'awaitPaymentClearance', reason: 'payment_not_cleared' });
    expect(hours(final, 'awaitPaymentClearance')).toBeGreaterThanOrEqual(72);
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { reservations: 0 },
      shipping: { shipments: 0 },
    });
  });

  it('asks the record again while the payments service does not answer, and clears once it does', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    const { paymentId } = await queryUntil(handle, awaiting);
    await settlePayment(saga.services.urls.payments, paymentId!, 'cleared');
    await setFaults(saga.services.urls.payments, { failNext: 12, match: `/payments/${paymentId!}` });
    await handle.signal(orderSignals.paymentEvent, { paymentId: paymentId!, orderId: input.orderId, status: 'cleared' });

    const final = await handle.result();
    expect(final.status).toBe('completed');
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({ payments: { charges: 1, refunds: 0 }, shipping: { shipments: 1 } });
  });

  it('is cancelled during the wait: the payment is refunded and the order ends cancelled', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    await queryUntil(handle, awaiting);

    await handle.cancel();
    const final = await handle.result();

    expect(final.status).toBe('cancelled');
    expect(final.failure).toMatchObject({ step: 'awaitPaymentClearance', reason: 'cancelled' });
    expect(final.compensations).toEqual([{ name: 'refundPayment', status: 'completed', attempts: 1 }]);
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({ payments: { charges: 1, refunds: 1 }, inventory: { reservations: 0 } });
  });

  it('goes by the payments record, not by a repeated or contradicting event', async () => {
    const input = orderInput({ paymentMethod: 'bank_transfer' });
    const handle = await start(input);
    const { paymentId } = await queryUntil(handle, awaiting);
    const event = { paymentId: paymentId!, orderId: input.orderId, status: 'cleared' as const };

    await settlePayment(saga.services.urls.payments, paymentId!, 'cleared');
    await handle.signal(orderSignals.paymentEvent, event);
    await handle.signal(orderSignals.paymentEvent, event);
    await handle.signal(orderSignals.paymentEvent, { ...event, status: 'failed' });
    const final = await handle.result();

    expect(final.status).toBe('completed');
    expect(await effects(saga.services.urls, input.orderId)).toMatchObject({ payments: { charges: 1, refunds: 0 }, shipping: { shipments: 1 } });
  });
});
