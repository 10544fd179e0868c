// The generic workflow API derived from the registry, driven through the typed client: the real
// worker (child process), the sample services and the shared Temporal dev server.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BatonApiError, createBatonClient, type BatonClient } from '../../../client/baton-client';
import type { OrderState } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import { FAST_TIMINGS, orderRequest, setFaults, settlePayment, uniqueOrderId } from '../../support/orders';
import { type ChildHandle, startWorkerChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('platform');

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;
let baton: BatonClient;

beforeAll(async () => {
  // Transfers settle only when a test signals them.
  services = await startSampleServices({ settleOutcome: 'never' });
  worker = startWorkerChild({ address, namespace, taskQueue }, services.urls);
  api = await startTestApi({
    address,
    namespace,
    taskQueue,
    // A request deadline shorter than the waits below: the calls after a wait need a deadline of their own.
    config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: '10 minutes', temporalDeadlineMs: 1500 },
  });
  baton = createBatonClient({ baseUrl: api.url, token: TEST_TOKEN });
  await worker.waitFor(WORKER_READY);
});

afterAll(async () => {
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

afterEach(async () => {
  await Promise.all([setFaults(services.urls.users, {}), setFaults(services.urls.payments, {})]);
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never matched; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const problemOf = async (call: Promise<unknown>) => {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BatonApiError);
  return err as BatonApiError;
};

describe('welcomeUser through /workflows/welcomeUser', () => {
  it('starts (202 + Location), describes, and lists a run', async () => {
    const started = await baton.start('welcomeUser', { userId: 'u-7' });
    expect(started.httpStatus).toBe(202);
    expect(started.location).toBe(`/workflows/welcomeUser/${started.run.workflowId}`);
    expect(started.run.workflowId).toMatch(/^welcome-u-7-/);
    expect(started.run.links.temporalUi).toContain(`/namespaces/${namespace}/workflows/${started.run.workflowId}/${started.run.runId}/history`);

    const done = await eventually(
      () => baton.describe('welcomeUser', started.run.workflowId),
      (d) => d.status !== 'RUNNING',
    );
    expect(done).toMatchObject({ type: 'welcomeUser', runId: started.run.runId, status: 'COMPLETED', taskQueue });
    expect(done.result?.message).toMatch(/^Welcome, /);
    expect(done.historyLength).toBeGreaterThan(5);
    expect(Date.parse(done.closeTime ?? '')).toBeGreaterThanOrEqual(Date.parse(done.startTime));

    const completed = await eventually(
      () => baton.list('welcomeUser', { status: 'completed' }),
      (page) => page.workflows.some((w) => w.workflowId === started.run.workflowId),
    );
    expect(completed.workflows.every((w) => w.status === 'COMPLETED')).toBe(true);
    const running = await baton.list('welcomeUser', { status: 'running' });
    expect(running.workflows.some((w) => w.workflowId === started.run.workflowId)).toBe(false);
  });

  it('pages the list with nextPageToken', async () => {
    for (let i = 0; i < 3; i++) await baton.start('welcomeUser', { userId: `u-page-${i}` });
    const first = await eventually(
      () => baton.list('welcomeUser', { pageSize: 2 }),
      (page) => page.nextPageToken !== undefined,
    );
    expect(first.workflows).toHaveLength(2);
    const second = await baton.list('welcomeUser', { pageSize: 2, nextPageToken: first.nextPageToken! });
    expect(second.workflows.length).toBeGreaterThan(0);
    expect(second.workflows.map((w) => w.workflowId)).not.toContain(first.workflows[0]?.workflowId);
  });

  it('returns the same run for a repeated Idempotency-Key or explicit ID (200)', async () => {
    const key = `key-${uniqueOrderId('k')}`;
    const first = await baton.start('welcomeUser', { userId: 'u-8' }, { idempotencyKey: key });
    const again = await baton.start('welcomeUser', { userId: 'u-8' }, { idempotencyKey: key });
    expect([first.httpStatus, again.httpStatus]).toEqual([202, 200]);
    expect(again.run).toMatchObject({ workflowId: first.run.workflowId, runId: first.run.runId });

    const workflowId = `welcome-explicit-${uniqueOrderId('x')}`;
    const one = await baton.start('welcomeUser', { userId: 'u-9' }, { workflowId });
    const two = await baton.start('welcomeUser', { userId: 'u-9' }, { workflowId });
    expect([one.httpStatus, two.httpStatus]).toEqual([202, 200]);
    expect(two.run).toMatchObject({ workflowId, runId: one.run.runId });
  });

  it('answers 200 with the result within Prefer: wait, and 202 with Location when it takes longer', async () => {
    const quick = await baton.start('welcomeUser', { userId: 'u-10' }, { waitSeconds: 10 });
    expect(quick.httpStatus).toBe(200);
    expect(quick.preferenceApplied).toBe('wait=10');
    expect(quick.run).toMatchObject({ status: 'COMPLETED', result: { userId: 'u-10' } });

    await setFaults(services.urls.users, { latencyMs: 4000 });
    const startedAt = Date.now();
    const slow = await baton.start('welcomeUser', { userId: 'u-11' }, { waitSeconds: 2 });
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(slow.httpStatus).toBe(202);
    expect(slow.preferenceApplied).toBe('wait=2');
    expect(slow.location).toBe(`/workflows/welcomeUser/${slow.run.workflowId}`);
    expect(slow.run.status).toBe('RUNNING');
  });
});

describe('order through /workflows/order', () => {
  it('starts with an early return, then takes signals, queries, updates; queries answer after it closed', async () => {
    const input = orderRequest({ paymentMethod: 'bank_transfer' });
    const started = await baton.start('order', input, { waitSeconds: 10 });
    expect(started.httpStatus).toBe(200);
    const early = started.run.early!;
    expect(early.steps[0]).toMatchObject({ name: 'authorizePayment', status: 'completed' });
    expect(early.paymentId).toMatch(/^pay_/);
    const id = started.run.workflowId;
    expect(id).toBe(`order-${input.orderId}`);

    const waiting = await eventually(
      () => baton.query('order', id, 'state'),
      (s) => s.steps.some((step) => step.name === 'awaitPaymentClearance'),
    );
    expect(waiting.status).toBe('awaiting_payment');
    expect(await baton.update('order', id, 'paymentAuthorized', {})).toMatchObject({ paymentId: early.paymentId });

    // A bad payload names its field; a good one wakes the order, which finds the payment cleared on record.
    const bad = await problemOf(
      baton.signal('order', id, 'paymentEvent', { paymentId: early.paymentId!, orderId: input.orderId, status: 'settled' as 'cleared' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.problem?.errors?.map((e) => e.path)).toEqual(['status']);
    await settlePayment(services.urls.payments, early.paymentId!, 'cleared');
    await baton.signal('order', id, 'paymentEvent', { paymentId: early.paymentId!, orderId: input.orderId, status: 'cleared' });

    const closed = await eventually(
      () => baton.describe('order', id),
      (d) => d.status !== 'RUNNING',
    );
    expect(closed.status).toBe('COMPLETED');
    expect(closed.result?.status).toBe('completed');
    const afterClose: OrderState = await baton.query('order', id, 'state');
    expect(afterClose).toMatchObject({ status: 'completed', paymentId: early.paymentId });

    // The same order again: the same run (200), never a second one.
    const again = await baton.start('order', input);
    expect(again.httpStatus).toBe(200);
    expect(again.run).toMatchObject({ workflowId: id, runId: started.run.runId, status: 'COMPLETED' });
    // A closed run takes no more signals or cancellations.
    expect((await problemOf(baton.cancel('order', id))).status).toBe(409);
  });

  it('cancels a running order, which compensates', async () => {
    const input = orderRequest({ paymentMethod: 'bank_transfer' });
    const started = await baton.start('order', input);
    expect(started.httpStatus).toBe(202);
    const id = started.run.workflowId;
    await eventually(
      () => baton.query('order', id, 'state').catch(() => undefined),
      (s) => s?.status === 'awaiting_payment' && s.steps.length > 1,
    );
    expect((await baton.list('order', { status: 'running' })).workflows.map((w) => w.workflowId)).toContain(id);
    await baton.cancel('order', id);
    const closed = await eventually(
      () => baton.describe('order', id),
      (d) => d.status !== 'RUNNING',
    );
    expect(closed.result).toMatchObject({ status: 'cancelled', compensations: [{ name: 'refundPayment', status: 'completed' }] });
  });

  it("answers 404 for an unknown type, another type's ID, and an unknown run", async () => {
    const unknownType = await problemOf(baton.describe('shipment' as 'order', 'x'));
    expect(unknownType.status).toBe(404);
    expect(unknownType.problem?.detail).toMatch(/Unknown workflow type shipment/);
    expect((await problemOf(baton.describe('order', 'welcome-someone'))).status).toBe(404);
    expect((await problemOf(baton.describe('order', `order-${uniqueOrderId('nobody')}`))).status).toBe(404);
  });
});

describe('POST /orders with Prefer: wait (update-with-start)', () => {
  it('answers 200 as soon as the payment is authorized, with the state; the saga goes on', async () => {
    const order = orderRequest();
    const res = await api.call('/orders', { method: 'POST', json: order, headers: { prefer: 'wait=10' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    const body = (await res.json()) as { workflowId: string; status: string; state: OrderState };
    expect(body).toMatchObject({ orderId: order.orderId, workflowId: `order-${order.orderId}`, status: body.state.status });
    // Answered in the workflow task that saw the authorization: the saga has just moved on to the stock.
    expect(body.state.steps[0]).toMatchObject({ name: 'authorizePayment', status: 'completed', attempts: 1 });
    expect(['awaiting_payment', 'reserving']).toContain(body.state.status);
    expect(body.state.shipmentId).toBeUndefined();
    expect(body.state.paymentId).toMatch(/^pay_/);

    const final = await eventually(
      async () => (await (await api.call(`/orders/${order.orderId}`)).json()) as OrderState,
      (s) => s.status === 'completed',
    );
    expect(final.shipmentId).toMatch(/^shp_/);
    // Repeated, it still never starts a second run.
    const again = await api.call('/orders', { method: 'POST', json: order, headers: { prefer: 'wait=5' } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { state: OrderState }).state.status).toBe('completed');
  });

  it('answers 202 with Location when the payment takes longer than the wait; without Prefer, nothing changed', async () => {
    await setFaults(services.urls.payments, { latencyMs: 3500, match: '/payments' });
    const order = orderRequest();
    const res = await api.call('/orders', { method: 'POST', json: order, headers: { prefer: 'wait=2' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/orders/${order.orderId}`);
    expect(((await res.json()) as { workflowId: string }).workflowId).toBe(`order-${order.orderId}`);

    const plain = orderRequest();
    const first = await api.call('/orders', { method: 'POST', json: plain });
    expect(first.status).toBe(202);
    const body = (await first.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['links', 'orderId', 'runId', 'status', 'workflowId']);
    expect(body.status).toBe('received');
  });
});
