// The operator's routes on the dev server, as an operator would use them while the payments service
// is down: find the order whose step keeps retrying, pause it (attempts stop), start its attempts over,
// let it go once the service is back (the order completes); find an order in needs_attention. Every
// action leaves an audit line naming who did it, to which order and why.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderState } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { place, readOrder, sleep, startWorkerProcess } from '../../support/chaos';
import { clearFaults, orderRequest, orderTimings, setFaults } from '../../support/orders';
import type { ChildHandle } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('operator');

/** Forward steps retry every half second for as long as it takes; compensations give up after 2 attempts (needs_attention). */
const TIMINGS = orderTimings(
  { startToCloseTimeout: '5 seconds', retry: { initialInterval: '500 ms', backoffCoefficient: 1, maximumInterval: '500 ms', maximumAttempts: 10_000 } },
  { startToCloseTimeout: '5 seconds', retry: { initialInterval: '100 ms', backoffCoefficient: 1, maximumInterval: '100 ms', maximumAttempts: 2 } },
);

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;
const logLines: Record<string, unknown>[] = [];

interface AttentionItem {
  orderId: string;
  reason: string;
  step?: { name: string; activityType: string; attempt: number; paused: boolean; lastError?: string; retryingForMs: number };
}
interface StepAnswer {
  orderId: string;
  action: string;
  step: { activityType: string; attempt: number; paused: boolean; state: string };
}

const attention = async (retryingFor = '1s') => {
  const res = await api.call(`/operator/orders?retryingFor=${encodeURIComponent(retryingFor)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { orders: AttentionItem[] }).orders;
};
const act = (orderId: string, action: string, body: unknown) => api.call(`/orders/${orderId}/step/${action}`, { method: 'POST', json: body });
const describeStep = async (orderId: string) => {
  const { raw } = await api.client.workflow.getHandle(orderWorkflow.workflowId(orderId)).describe();
  return raw.pendingActivities?.[0];
};
async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await sleep(200);
  }
}
const until = (orderId: string, done: (s: OrderState) => boolean) =>
  eventually(`order ${orderId}`, async () => {
    const state = await readOrder(api.call, orderId);
    return state && done(state) ? state : undefined;
  });

beforeAll(async () => {
  services = await startSampleServices();
  worker = await startWorkerProcess({ address, namespace, taskQueue, serviceUrls: services.urls });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: TIMINGS }, logger: pino({ level: 'info' }, sink) });
}, 120_000);

afterAll(async () => {
  await clearFaults(services.urls);
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

describe('operator routes', () => {
  it('find the order whose step keeps retrying, pause it, start its attempts over, and let it go once the service is back', async () => {
    await setFaults(services.urls.payments, { errorRate: 1 });
    const order = orderRequest();
    await place(api.call, order);

    const listed = await eventually('the order listed as retrying', async () => (await attention()).find((o) => o.orderId === order.orderId));
    expect(listed.reason).toBe('step_retrying');
    expect(listed.step).toMatchObject({ name: 'authorizePayment', activityType: 'authorizePayment', paused: false });
    expect(listed.step!.attempt).toBeGreaterThanOrEqual(2);
    expect(listed.step!.retryingForMs).toBeGreaterThanOrEqual(1000);
    // Decoded: failures are stored encrypted in the history.
    expect(listed.step!.lastError).toMatch(/payments/);
    // A longer threshold leaves it out.
    expect((await attention('1h')).some((o) => o.orderId === order.orderId)).toBe(false);

    const paused = await act(order.orderId, 'pause', { reason: 'payments down, INC-42' });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as StepAnswer).step.paused).toBe(true);
    // Paused: no further attempts.
    await sleep(1500);
    const attemptWhilePaused = (await describeStep(order.orderId))?.attempt;
    await sleep(2000);
    expect((await describeStep(order.orderId))?.attempt).toBe(attemptWhilePaused);

    const reset = await act(order.orderId, 'reset', { reason: 'start over once it is back' });
    expect(reset.status).toBe(200);
    await eventually('attempts back to 1', async () => ((await describeStep(order.orderId))?.attempt === 1 ? true : undefined));
    expect((await describeStep(order.orderId))?.paused).toBe(true);

    await clearFaults(services.urls);
    const unpaused = await act(order.orderId, 'unpause', { reason: 'payments back' });
    expect(unpaused.status).toBe(200);
    expect((await until(order.orderId, (s) => s.status === 'completed')).steps[0]).toMatchObject({ name: 'authorizePayment', status: 'completed' });

    // Each action audited: who, what, which order and activity, why.
    const audit = logLines.filter((l) => l.audit === true && l.orderId === order.orderId);
    expect(audit.map((l) => [l.action, l.reason])).toEqual([
      ['step.pause', 'payments down, INC-42'],
      ['step.reset', 'start over once it is back'],
      ['step.unpause', 'payments back'],
    ]);
    for (const line of audit) {
      expect(line.operator).toBe('baton-operator:static-token');
      expect(line.activityId).toEqual(expect.stringMatching(/.+/));
    }
  });

  it('lists an order waiting in needs_attention', async () => {
    await setFaults(services.urls.payments, { failNext: 1000, failStatus: 503, match: '/payments/pay_' });
    const order = orderRequest({ items: [{ sku: 'OOS-operator', quantity: 1 }] });
    await place(api.call, order);
    await until(order.orderId, (s) => s.status === 'needs_attention');
    const listed = await eventually('listed', async () => (await attention()).find((o) => o.orderId === order.orderId));
    expect(listed.reason).toBe('needs_attention');
    await clearFaults(services.urls);
    expect((await api.call(`/orders/${order.orderId}/resolve`, { method: 'POST', json: { action: 'retry' } })).status).toBe(202);
    await until(order.orderId, (s) => s.status === 'failed');
  });

  it('refuses what it cannot do, saying why', async () => {
    const done = orderRequest();
    await place(api.call, done);
    await until(done.orderId, (s) => s.status === 'completed');
    expect((await act(done.orderId, 'pause', { reason: 'x' })).status).toBe(409);
    expect((await act('ord-nobody-placed', 'pause', { reason: 'x' })).status).toBe(404);
    const noReason = await act(done.orderId, 'pause', {});
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['reason']);
    const badDuration = await api.call('/operator/orders?retryingFor=soon');
    expect(badDuration.status).toBe(400);
  });
});
