// Chaos (f): the worker is SIGKILLed while the payments service has committed a charge but not yet
// answered, and every later attempt meets a 503. The attempt that died never reported its fate, so the
// charge must count as possibly made: it is refunded, or the order waits in needs_attention naming the
// refund, never "failed, nothing to undo" with the customer's money kept. Counted by the service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderState, OrderTimings } from '../../contracts';
import type { TestApi } from '../support/api';
import { callsInFlight, place, readOrder, sleep } from '../support/chaos';
import { clearFaults, effects, killTolerantCall, orderRequest, orderTimings, setFaults } from '../support/orders';
import type { ChildHandle } from '../support/processes';
import { startRig, type ChaosRig } from './harness';

/** Three attempts of 4 s each for the charge; quick, short-lived refund tries, so the order reaches a person soon. */
const TIMINGS: OrderTimings = orderTimings(killTolerantCall(3), {
  startToCloseTimeout: '2 seconds',
  retry: { initialInterval: '100 ms', backoffCoefficient: 2, maximumInterval: '200 ms', maximumAttempts: 2 },
});

let rig: ChaosRig;
let api: TestApi;
let worker: ChildHandle;

beforeAll(async () => {
  rig = await startRig('charge');
  [api, worker] = await Promise.all([rig.startInProcessApi(TIMINGS), rig.startWorker()]);
});

afterAll(() => rig?.stop());

async function until(orderId: string, holds: (s: OrderState) => boolean, timeoutMs: number): Promise<OrderState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readOrder(api.call, orderId);
    if (state && holds(state)) return state;
    if (Date.now() > deadline) throw new Error(`order ${orderId} never matched; last: ${JSON.stringify(state)}`);
    await sleep(200);
  }
}

describe('a charge committed by an attempt that died without reporting', () => {
  it('is refunded once the payments service answers again, after a person is asked', async () => {
    const { urls } = rig.services;
    await setFaults(urls.payments, { commitThenHang: 1, match: '/payments' });
    const order = orderRequest({ orderId: `charge-${Date.now()}` });
    expect(await place(api.call, order)).toBe(202);

    // The charge is in the service's books, its answer held back: now the worker dies.
    for (let i = 0; (await effects(urls, order.orderId)).payments.charges === 0; i++) {
      if (i > 300) throw new Error('the charge never arrived');
      await sleep(50);
    }
    expect(await callsInFlight(urls.payments)).toBe(1);
    worker.child.kill('SIGKILL');
    await setFaults(urls.payments, { failNext: 10_000, match: '/payments' });
    worker = await rig.startWorker();

    // Every later attempt got a clean 503, yet the charge is not taken for "nothing happened".
    const stuck = await until(order.orderId, (s) => s.status === 'needs_attention', 90_000);
    expect(stuck.failure).toMatchObject({ step: 'authorizePayment', reason: 'service_unavailable' });
    expect(stuck.compensations.map((c) => [c.name, c.status])).toEqual([['refundPayment', 'failed']]);
    expect(await effects(urls, order.orderId)).toMatchObject({ payments: { charges: 1, refunds: 0 } });

    // The service is back; the operator retries: the repeated request finds the charge, and it is refunded.
    await clearFaults(urls);
    const resolved = await api.call(`/orders/${order.orderId}/resolve`, { method: 'POST', json: { action: 'retry' } });
    expect(resolved.status).toBe(202);
    const final = await until(order.orderId, (s) => s.status === 'failed', 60_000);
    expect(final.compensations.at(-1)).toMatchObject({ name: 'refundPayment', status: 'completed' });
    expect(await effects(urls, order.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { reservations: 0 },
      shipping: { shipments: 0 },
    });
  });
});
