// The order API as a client meets it: the API over HTTP, the real worker as a child process, the
// sample services, and the shared Temporal dev server. The payments service calls back to the API.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderSignals, orderWorkflow, type OrderState } from '../../../contracts';
import type { OrderRequest } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { callbackQuery, startTestApi, TEST_WEBHOOK_SECRET, uniqueTaskQueue, type TestApi } from '../../support/api';
import { clearFaults, effects, FAST_TIMINGS, names, orderRequest, setFaults, settlePayment, uniqueOrderId } from '../../support/orders';
import { type ChildHandle, startWorkerChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('orders-api');

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;

beforeAll(async () => {
  // Transfers settle only when a test says so (POST /__admin/payments/{id}/settle), then call back.
  services = await startSampleServices({ settleOutcome: 'never' });
  worker = startWorkerChild({ address, namespace, taskQueue }, services.urls, { BATON_HTTP_TIMEOUT_MS: '1000' });
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: '10 minutes' } });
  await worker.waitFor(WORKER_READY);
});

afterAll(async () => {
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

afterEach(() => clearFaults(services.urls));

interface Accepted {
  orderId: string;
  workflowId: string;
  runId: string;
  status: string;
  links: { self: string; temporalUi: string };
}

async function place(order: OrderRequest): Promise<{ status: number; body: Accepted }> {
  const res = await api.call('/orders', { method: 'POST', json: order });
  return { status: res.status, body: (await res.json()) as Accepted };
}

async function state(orderId: string): Promise<OrderState> {
  const res = await api.call(`/orders/${orderId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as OrderState;
}

async function until(orderId: string, done: (s: OrderState) => boolean, timeoutMs = 20_000): Promise<OrderState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await state(orderId);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`order ${orderId} never matched; last: ${JSON.stringify(current)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const settled = (s: OrderState) => ['completed', 'failed', 'cancelled'].includes(s.status);
const awaitingClearance = (s: OrderState) => s.status === 'awaiting_payment' && s.steps.some((step) => step.name === 'awaitPaymentClearance');

function postEvent(query: string, event: unknown, headers: Record<string, string> = {}) {
  return fetch(`${api.url}/webhooks/payments${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(event),
  });
}

describe('POST /orders', () => {
  it('starts the saga (202), which completes; GET answers from the result once closed', async () => {
    const order = orderRequest();
    const { status, body } = await place(order);
    expect(status).toBe(202);
    expect(body).toMatchObject({
      orderId: order.orderId,
      workflowId: `order-${order.orderId}`,
      status: 'received',
      links: { self: `/orders/${order.orderId}` },
    });
    expect(body.links.temporalUi).toContain(`/workflows/order-${order.orderId}/${body.runId}`);

    const final = await until(order.orderId, settled);
    expect(final).toMatchObject({ orderId: order.orderId, status: 'completed', compensations: [] });
    expect(final.paymentId).toMatch(/^pay_/);
    expect(final.reservationId).toMatch(/^res_/);
    expect(final.shipmentId).toMatch(/^shp_/);
    expect(final.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['authorizePayment', 'completed', 1],
      ['reserveInventory', 'completed', 1],
      ['createShipment', 'completed', 1],
    ]);
    const description = await api.client.workflow.getHandle(body.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  it('never starts a second workflow for the same orderId: 200 with the same workflowId', async () => {
    const order = orderRequest();
    const [first, second] = await Promise.all([place(order), place(order)]);
    expect([first.status, second.status].sort()).toEqual([200, 202]);
    expect(second.body.workflowId).toBe(first.body.workflowId);
    expect(second.body.runId).toBe(first.body.runId);

    await until(order.orderId, settled);
    const again = await place({ ...order, amount: { currency: 'EUR', value: 1 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ workflowId: first.body.workflowId, runId: first.body.runId, status: 'completed' });
    expect((await effects(services.urls, order.orderId)).payments.charges).toBe(1);
  });

  it('names every bad field (400 problem+json)', async () => {
    const res = await api.call('/orders', {
      method: 'POST',
      json: {
        orderId: 'has spaces',
        customerId: 'cus-1',
        items: [],
        amount: { currency: 'euro', value: 19.99 },
        paymentMethod: 'cash',
        shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'Germany' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(
      ['amount.currency', 'amount.value', 'items', 'orderId', 'paymentMethod', 'shippingAddress.country'].sort(),
    );
  });

  it('runs the compensations of a business failure (out of stock refunds the payment)', async () => {
    const order = orderRequest({ items: [{ sku: 'OOS-1', quantity: 1 }] });
    await place(order);
    const final = await until(order.orderId, settled);
    expect(final).toMatchObject({ status: 'failed', failure: { step: 'reserveInventory', reason: 'out_of_stock' } });
    expect(names(final.compensations)).toEqual(['refundPayment']);
    expect(await effects(services.urls, order.orderId)).toMatchObject({ payments: { charges: 1, refunds: 1 }, inventory: { active: 0 } });
  });
});

describe('GET /orders/{orderId}', () => {
  it('answers 404 for an unknown order, and 400 for an ID that cannot be one', async () => {
    expect((await api.call(`/orders/${uniqueOrderId('nobody')}`)).status).toBe(404);
    expect((await api.call('/orders/bad%20id')).status).toBe(400);
  });

  it('needs a bearer token', async () => {
    expect((await fetch(`${api.url}/orders/anything`)).status).toBe(401);
  });
});

describe('searchable status', () => {
  /** The OrderStatus values the run's history upserted, in order. */
  const upserted = async (orderId: string) => {
    const { events } = await api.client.workflow.getHandle(orderWorkflow.workflowId(orderId)).fetchHistory();
    return (events ?? []).flatMap((e) => {
      const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus;
      return field?.data ? [JSON.parse(Buffer.from(field.data).toString()) as string] : [];
    });
  };

  it('the OrderStatus search attribute changes only to the statuses a person searches by: a card order once, at its end', async () => {
    const card = orderRequest();
    await place(card);
    expect((await until(card.orderId, settled)).status).toBe('completed');
    expect(await upserted(card.orderId)).toEqual(['completed']);

    // A bank transfer: found as awaiting_payment while it waits, in flight (received) once cleared, then final.
    const transfer = orderRequest({ paymentMethod: 'bank_transfer', customerId: `cus-${uniqueOrderId('s').slice(-8)}` });
    await place(transfer);
    const waiting = await until(transfer.orderId, awaitingClearance);
    const found = async (status: string) => {
      const res = await api.call(`/orders?customerId=${transfer.customerId}&status=${status}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { orders: { orderId: string }[] }).orders.map((o) => o.orderId);
    };
    const deadline = Date.now() + 10_000;
    while ((await found('awaiting_payment')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await found('awaiting_payment')).toEqual([transfer.orderId]);
    await settlePayment(services.urls.payments, waiting.paymentId!, 'cleared');
    expect((await until(transfer.orderId, settled)).status).toBe('completed');
    expect(await upserted(transfer.orderId)).toEqual(['awaiting_payment', 'received', 'completed']);
  });

  it('GET /orders?status= takes only those statuses, and says which they are', async () => {
    const res = await api.call('/orders?status=reserving');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toEqual([
      expect.objectContaining({ path: 'query.status', message: expect.stringContaining('received, awaiting_payment, compensating') as unknown }),
    ]);
  });
});

describe('the payment webhook', () => {
  it('clears the order when the payments service calls the signed callbackUrl', async () => {
    const order = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(order);
    const waiting = await until(order.orderId, awaitingClearance);

    // The sample service settles and POSTs the event to the URL Baton gave it.
    await settlePayment(services.urls.payments, waiting.paymentId!, 'cleared');
    const final = await until(order.orderId, settled);
    expect(final.status).toBe('completed');
    expect(names(final.steps)).toEqual(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
    expect(await effects(services.urls, order.orderId)).toMatchObject({ payments: { charges: 1, refunds: 0 }, shipping: { shipments: 1 } });
  });

  it('refuses (401) an unsigned event, and one signed for another order; nothing changes', async () => {
    const order = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(order);
    const before = await until(order.orderId, awaitingClearance);
    const event = { paymentId: before.paymentId, orderId: order.orderId, status: 'cleared' };
    const other = uniqueOrderId('other');

    expect((await postEvent('', event)).status).toBe(401);
    expect((await postEvent(`?orderId=${order.orderId}&token=${'0'.repeat(64)}`, event)).status).toBe(401);
    expect((await postEvent(callbackQuery(TEST_WEBHOOK_SECRET, other), event)).status).toBe(401);
    expect((await postEvent(callbackQuery(TEST_WEBHOOK_SECRET, other, { orderId: null }), event)).status).toBe(401);
    expect((await postEvent('', event, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    // A token past its expiry, and one whose expiry was stretched after signing.
    const expired = await postEvent(callbackQuery(TEST_WEBHOOK_SECRET, order.orderId, { expiresAt: Math.floor(Date.now() / 1000) - 1 }), event);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);
    const stretched = callbackQuery(TEST_WEBHOOK_SECRET, order.orderId).replace(/exp=(\d+)/, (_m, exp: string) => `exp=${Number(exp) + 86_400}`);
    expect((await postEvent(stretched, event)).status).toBe(401);
    // A valid token for this order, about a payment that is not this order's.
    expect((await postEvent(callbackQuery(TEST_WEBHOOK_SECRET, order.orderId), { ...event, paymentId: 'pay_someone_else' })).status).toBe(409);

    await new Promise((r) => setTimeout(r, 300));
    const after = await state(order.orderId);
    expect(after.status).toBe('awaiting_payment');
    expect(after).toEqual(before);
    await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' });
  });

  it('keeps waiting on a signed "cleared" while the payments service still says pending, and goes on only on its record', async () => {
    const order = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(order);
    const { paymentId } = await until(order.orderId, awaitingClearance);
    // Whoever holds the callback URL (the payments service's logs, a trace) can send this with a valid token.
    const forged = { paymentId, orderId: order.orderId, status: 'cleared' };
    const signed = callbackQuery(TEST_WEBHOOK_SECRET, order.orderId);
    const received = async () =>
      ((await (await fetch(`${services.urls.payments}/__admin/state`)).json()) as { requests: { received: number } }).requests.received;
    const before = await received();
    for (let i = 0; i < 10; i++) expect((await postEvent(signed, forged)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 2500));

    const still = await state(order.orderId);
    expect(still.status).toBe('awaiting_payment');
    expect(still.steps.at(-1)).toMatchObject({ name: 'awaitPaymentClearance', status: 'running' });
    expect(await effects(services.urls, order.orderId)).toMatchObject({ payments: { charges: 1 }, inventory: { reservations: 0 }, shipping: { shipments: 0 } });
    // Ten notices asked the record a few times at most: notices cannot make the order hammer the payments service.
    const looks = (await received()) - before;
    expect(looks).toBeGreaterThanOrEqual(1);
    expect(looks).toBeLessThanOrEqual(3);

    // The transfer really clears: the service's own callback wakes the order, its record says cleared.
    await settlePayment(services.urls.payments, paymentId!, 'cleared');
    const final = await until(order.orderId, settled, 30_000);
    expect(final.status).toBe('completed');
    expect(await effects(services.urls, order.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 0 },
      inventory: { reservations: 1 },
      shipping: { shipments: 1 },
    });
  });

  it('changes nothing when the same event arrives twice', async () => {
    const order = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(order);
    const { paymentId } = await until(order.orderId, awaitingClearance);
    const event = { paymentId, orderId: order.orderId, status: 'cleared' };
    const signed = callbackQuery(TEST_WEBHOOK_SECRET, order.orderId);
    await settlePayment(services.urls.payments, paymentId!, 'cleared');

    const [first, second] = await Promise.all([postEvent(signed, event), postEvent(signed, event)]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const final = await until(order.orderId, settled);
    expect(final.status).toBe('completed');

    // Late duplicates, even a contradicting one, after the order closed: accepted, nothing changes.
    expect((await postEvent(signed, event)).status).toBe(202);
    expect((await postEvent(signed, { ...event, status: 'failed' })).status).toBe(202);
    expect(await state(order.orderId)).toEqual(final);
    expect(await effects(services.urls, order.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 0 },
      inventory: { reservations: 1 },
      shipping: { shipments: 1 },
    });
  });

  it('accepts a bearer token instead of the signed one, and answers 404 for an unknown order', async () => {
    const bearer = { authorization: `Bearer ${'test-token-0123456789abcdef'}` };
    const unknown = { paymentId: 'pay_x', orderId: uniqueOrderId('nobody'), status: 'cleared' };
    expect((await postEvent('', unknown, bearer)).status).toBe(404);
    const signedUnknown = callbackQuery(TEST_WEBHOOK_SECRET, unknown.orderId, { orderId: null });
    expect((await postEvent(signedUnknown, unknown)).status).toBe(404);
    expect((await postEvent(signedUnknown, { ...unknown, status: 'maybe' })).status).toBe(400);
  });
});

describe('POST /orders/{orderId}/cancel', () => {
  it('during the clearance wait refunds the payment; the order ends cancelled; a second cancel is 409', async () => {
    const order = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(order);
    await until(order.orderId, awaitingClearance);

    const res = await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    const final = await until(order.orderId, settled);
    expect(final).toMatchObject({ status: 'cancelled', failure: { step: 'awaitPaymentClearance', reason: 'cancelled' } });
    expect(final.compensations).toEqual([{ name: 'refundPayment', status: 'completed', attempts: 1 }]);
    expect(await effects(services.urls, order.orderId)).toMatchObject({ payments: { charges: 1, refunds: 1 }, inventory: { reservations: 0 } });
    expect((await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('waits for the step running when the cancel arrives, then undoes it: the call and its undo never overlap', async () => {
    await setFaults(services.urls.inventory, { latencyMs: 700, match: '/reservations' });
    const order = orderRequest();
    await place(order);
    await until(order.orderId, (s) => s.status === 'reserving', 10_000);
    await new Promise((r) => setTimeout(r, 300)); // the reservation request is at the service now
    expect((await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' })).status).toBe(202);
    const final = await until(order.orderId, settled);
    expect(final).toMatchObject({ status: 'cancelled', failure: { step: 'reserveInventory', reason: 'cancelled' } });
    expect(final.compensations.map((c) => [c.name, c.status])).toEqual([
      ['releaseReservation', 'completed'],
      ['refundPayment', 'completed'],
    ]);

    // In the history: from the cancel request until the reservation's attempt has answered, nothing else is scheduled.
    const events = (await api.client.workflow.getHandle(orderWorkflow.workflowId(order.orderId)).fetchHistory()).events ?? [];
    const reserve = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reserveInventory');
    const cancelRequested = events.findIndex((e) => e.activityTaskCancelRequestedEventAttributes);
    const reserveEnded = events.findIndex((e) => {
      const ended = e.activityTaskCompletedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskFailedEventAttributes;
      return ended && String(ended.scheduledEventId) === String(reserve?.eventId);
    });
    expect(cancelRequested).toBeGreaterThan(0);
    expect(reserveEnded).toBeGreaterThan(cancelRequested);
    expect(events.slice(cancelRequested, reserveEnded).filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(await effects(services.urls, order.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { reservations: 1, active: 0 },
      shipping: { shipments: 0 },
    });
  });

  it('answers 409 after completion and 404 for an unknown order', async () => {
    const order = orderRequest();
    await place(order);
    await until(order.orderId, settled);
    const res = await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await api.call(`/orders/${uniqueOrderId('nobody')}/cancel`, { method: 'POST' })).status).toBe(404);
  });
});

describe('an orderId seen again after its workflow is gone (namespace retention)', () => {
  it("never ships: the new saga repeats the first one's keys, and the payment record says refunded", async () => {
    // The first saga: shipping is down past its retries, so the reservation is released and the payment refunded.
    await setFaults(services.urls.shipping, { failNext: 1000 });
    const order = orderRequest();
    await place(order);
    const first = await until(order.orderId, settled);
    expect(first).toMatchObject({ status: 'failed', failure: { step: 'createShipment', reason: 'service_unavailable' } });
    await clearFaults(services.urls);

    // Retention deletes closed workflows; Temporal then knows the workflow ID no more.
    const workflowId = orderWorkflow.workflowId(order.orderId);
    await api.connection.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId } });
    const handle = api.client.workflow.getHandle(workflowId);
    for (
      let i = 0;
      await handle.describe().then(
        () => true,
        () => false,
      );
      i++
    ) {
      // The dev server deletes in a background task, seconds later (test/support/global-setup.ts); more when busy.
      if (i > 900) throw new Error('the workflow was never deleted');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api.call(`/orders/${order.orderId}`)).status).toBe(404);

    // The same order again: its calls carry the first saga's Idempotency-Keys, so the services answer with the
    // first results (a charge made, stock reserved); only the payment's record tells that it was refunded since.
    expect((await place(order)).status).toBe(202);
    const second = await until(order.orderId, settled);
    expect(second).toMatchObject({ status: 'failed', failure: { step: 'createShipment', reason: 'payment_failed' } });
    expect(await effects(services.urls, order.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { reservations: 1, active: 0 },
      shipping: { shipments: 0 },
    });
  }, 150_000);
});

describe("the payment's record, read while the stock is reserved", () => {
  const timeline = async (orderId: string) => {
    const res = await api.call(`/orders/${orderId}/timeline`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { steps: { name: string; outcome: string; scheduledAt: string; finishedAt?: string }[] }).steps;
  };

  it('is read again before shipping when the reservation took over a second; a refund meanwhile stops the goods', async () => {
    // Each reservation attempt takes 700 ms and the first one fails: the stock is reserved after about 1.5 s.
    await setFaults(services.urls.inventory, { latencyMs: 700, failNext: 1 });
    const order = orderRequest();
    expect((await place(order)).status).toBe(202);
    // The record, read beside the reservation, said cleared; then the payment is refunded by someone else.
    let paymentId: string | undefined;
    for (let i = 0; ; i++) {
      const steps = await timeline(order.orderId);
      if (steps.some((s) => s.name === 'getPayment' && s.outcome === 'completed')) {
        expect(steps.find((s) => s.name === 'reserveInventory')?.outcome).not.toBe('completed');
        paymentId = (await state(order.orderId)).paymentId;
        break;
      }
      if (i > 100) throw new Error('the record was never read beside the reservation');
      await new Promise((r) => setTimeout(r, 50));
    }
    const refund = await fetch(`${services.urls.payments}/payments/${paymentId}/refund`, {
      method: 'POST',
      headers: { 'idempotency-key': `outside-${paymentId}` },
    });
    expect(refund.status).toBe(200);

    const final = await until(order.orderId, settled);
    expect(final).toMatchObject({ status: 'failed', failure: { step: 'createShipment', reason: 'payment_failed' } });
    expect(await effects(services.urls, order.orderId)).toMatchObject({ inventory: { reservations: 1, active: 0 }, shipping: { shipments: 0 } });
    expect((await timeline(order.orderId)).filter((s) => s.name === 'getPayment')).toHaveLength(2);
  });
});

describe('needs_attention and POST /orders/{orderId}/resolve', () => {
  /** Out of stock, while every refund fails: the refund compensation exhausts its retries. */
  async function stuckOrder(): Promise<OrderState> {
    await setFaults(services.urls.payments, { failNext: 1000, failStatus: 503, match: '/payments/pay_' });
    const order = orderRequest({ items: [{ sku: 'OOS-2', quantity: 1 }] });
    await place(order);
    const stuck = await until(order.orderId, (s) => s.status === 'needs_attention');
    expect(stuck.compensations).toMatchObject([
      { name: 'refundPayment', status: 'failed', attempts: FAST_TIMINGS.compensations.refundPayment.retry.maximumAttempts },
    ]);
    expect(stuck.compensations[0]?.error).toContain('payments');
    return stuck;
  }

  it('retry: once the payments service is back, the refund goes through and the order ends failed', async () => {
    const stuck = await stuckOrder();
    await clearFaults(services.urls);
    // Malformed decisions, as `temporal workflow signal` can send them, change nothing and wedge nothing.
    const handle = api.client.workflow.getHandle(orderWorkflow.workflowId(stuck.orderId));
    for (const payload of [null, 'retry', { action: 'later' }, { action: ['retry'] }]) await handle.signal(orderSignals.resolve, payload as never);
    await new Promise((r) => setTimeout(r, 300));
    expect((await state(stuck.orderId)).status).toBe('needs_attention');

    const res = await api.call(`/orders/${stuck.orderId}/resolve`, { method: 'POST', json: { action: 'retry' } });
    expect(res.status).toBe(202);
    const final = await until(stuck.orderId, settled);
    expect(final.status).toBe('failed');
    expect(final.compensations).toMatchObject([{ name: 'refundPayment', status: 'completed' }]);
    expect(final.unresolved).toBeUndefined();
    expect(await effects(services.urls, stuck.orderId)).toMatchObject({ payments: { charges: 1, refunds: 1 } });
  });

  it('abandon: the order ends failed and lists the payment it could not refund', async () => {
    const stuck = await stuckOrder();
    const res = await api.call(`/orders/${stuck.orderId}/resolve`, { method: 'POST', json: { action: 'abandon' } });
    expect(res.status).toBe(202);
    const final = await until(stuck.orderId, settled);
    expect(final.status).toBe('failed');
    expect(final.unresolved).toEqual([
      { compensation: 'refundPayment', step: 'authorizePayment', id: stuck.paymentId, error: expect.stringContaining('payments') as string },
    ]);
    expect(await effects(services.urls, stuck.orderId)).toMatchObject({ payments: { charges: 1, refunds: 0 } });
  });

  it('answers 409 for an order that is not in needs_attention, 404 for an unknown one, 400 for a bad action', async () => {
    const order = orderRequest();
    await place(order);
    await until(order.orderId, settled);
    expect((await api.call(`/orders/${order.orderId}/resolve`, { method: 'POST', json: { action: 'retry' } })).status).toBe(409);
    expect((await api.call(`/orders/${uniqueOrderId('nobody')}/resolve`, { method: 'POST', json: { action: 'retry' } })).status).toBe(404);
    const bad = await api.call(`/orders/${order.orderId}/resolve`, { method: 'POST', json: { action: 'later' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['action']);
  });
});
