// Chaos (a): the only worker is SIGKILLed twice and restarted each time, as a supervisor would. The
// first kill lands while activities are running (shipping answers slowly, so its calls are in flight),
// the second between steps (no downstream call open). Lost attempts come back after their
// start-to-close timeout; every order must end right, each effect exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderTimings } from '../../contracts';
import type { TestApi } from '../support/api';
import { audit, callsInFlight, place, planOrders, pool, caseSummary, recordChaosResult, sleep, waitForFinals } from '../support/chaos';
import { killTolerantCall, orderTimings, setFaults } from '../support/orders';
import type { ChildHandle } from '../support/processes';
import { startRig, type ChaosRig } from './harness';

const ORDERS = 40;

const TIMINGS: OrderTimings = orderTimings(killTolerantCall(8), killTolerantCall(10));

let rig: ChaosRig;
let api: TestApi;
let firstWorker: ChildHandle;

beforeAll(async () => {
  rig = await startRig('worker', { faults: { payments: { latencyMs: 20 }, inventory: { latencyMs: 20 }, shipping: { latencyMs: 1500 } } });
  [api, firstWorker] = await Promise.all([rig.startInProcessApi(TIMINGS), rig.startWorker()]);
});

afterAll(() => rig?.stop());

/** Resolves once `holds` is true, checking every 10 ms; the last value it saw otherwise. */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(10);
  }
}

describe('the worker is SIGKILLed mid-activity and between steps', () => {
  it('restarted each time, it finishes every order right, each effect once', async () => {
    const started = Date.now();
    const { urls } = rig.services;
    const inFlight = async () => (await Promise.all([urls.payments, urls.inventory, urls.shipping].map(callsInFlight))).reduce((a, b) => a + b, 0);
    const orders = planOrders('worker', ORDERS);
    let worker = firstWorker;
    await pool(orders, 10, ({ request }) => place(api.call, request).then(() => undefined));

    // Kill 1: while shipping holds calls.
    const shippingCalls = await until(
      () => callsInFlight(urls.shipping),
      (n) => n > 0,
      60_000,
    );
    expect(shippingCalls).toBeGreaterThan(0);
    const atFirstKill = await inFlight();
    worker.child.kill('SIGKILL');
    worker = await rig.startWorker();
    await setFaults(urls.shipping, { latencyMs: 20 });

    // Kill 2: once the new worker has shipped a few orders, at a moment with no downstream call open.
    const shipmentsBook = async () =>
      ((await (await fetch(`${urls.shipping}/__admin/state`)).json()) as { orders: Record<string, { shipments?: number }> }).orders;
    const shipped = async () => Object.values(await shipmentsBook()).reduce((n, o) => n + (o.shipments ?? 0), 0);
    const shippedBefore = await shipped();
    await until(shipped, (n) => n >= shippedBefore + 5, 60_000);
    const atSecondKill = await until(inFlight, (n) => n === 0, 30_000);
    worker.child.kill('SIGKILL');
    const shippedAtSecondKill = await shipped();
    worker = await rig.startWorker();

    const finals = await waitForFinals(api.call, orders, { timeoutMs: 150_000 });
    const result = await audit(urls, orders, finals);
    await recordChaosResult(
      'a-worker-kills',
      caseSummary({
        ordersPushed: ORDERS,
        faultsInjected: `worker SIGKILLed with ${atFirstKill} downstream calls in flight (shipping at 1.5 s), restarted; SIGKILLed again between steps (${atSecondKill} calls in flight, ${shippedAtSecondKill} orders shipped so far), restarted`,
        audit: result,
        finals,
        startedAt: started,
        details: { kills: 2, callsInFlightAtFirstKill: atFirstKill, callsInFlightAtSecondKill: atSecondKill, shippedAtSecondKill },
      }),
    );

    expect(finals.size).toBe(ORDERS);
    expect(result.wrongEnds).toEqual([]);
    expect(result.wrongEffects).toEqual([]);
  });
});
