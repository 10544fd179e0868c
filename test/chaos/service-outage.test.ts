// Chaos (e): the inventory service goes away for a minute (its port refuses connections, open ones are
// cut) while orders keep coming, then comes back on the same port with its books intact. Orders wait
// in their retries (a retry policy that spans the outage) and must all end right after it returns:
// reservations made once, releases of refused shipments done, refunds of out-of-stock orders done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallTimings, OrderTimings } from '../../contracts';
import type { TestApi } from '../support/api';
import { audit, callsInFlight, place, planOrders, pool, caseSummary, recordChaosResult, sleep, waitForFinals } from '../support/chaos';
import { orderTimings } from '../support/orders';
import { startRig, type ChaosRig } from './harness';

const ORDERS = 40;
/** Orders placed before the outage; the rest arrive while inventory is down. */
const BEFORE = 12;
const OUTAGE_MS = 60_000;

/** Retries that outlast the outage: backoff capped at 5 s, 30 attempts (over two minutes). */
const call: CallTimings = {
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 30 },
};
const TIMINGS: OrderTimings = orderTimings(call);

let rig: ChaosRig;
let api: TestApi;

beforeAll(async () => {
  // Shipping is slow, so that some orders are at shipping (and some refused there) when inventory goes.
  rig = await startRig('outage', { faults: { payments: { latencyMs: 20 }, inventory: { latencyMs: 20 }, shipping: { latencyMs: 800 } } });
  [api] = await Promise.all([rig.startInProcessApi(TIMINGS), rig.startWorker()]);
});

afterAll(() => rig?.stop());

describe('a downstream service is down for a minute', () => {
  it('orders wait it out and all end right once it is back, each effect once', async () => {
    const started = Date.now();
    const { urls } = rig.services;
    const orders = planOrders('outage', ORDERS);
    await pool(orders.slice(0, BEFORE), 6, ({ request }) => place(api.call, request).then(() => undefined));

    // Down once shipping holds calls: those orders come back to inventory (a release) during the outage.
    for (let i = 0; i < 500 && (await callsInFlight(urls.shipping)) === 0; i++) await sleep(10);
    await rig.services.takeDown('inventory');
    const downAt = Date.now();
    // The rest keep arriving through the first half of the outage, one every 750 ms.
    await pool(orders.slice(BEFORE), 1, async ({ request }) => {
      await place(api.call, request);
      await sleep(750);
    });
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    await rig.services.bringUp('inventory');
    const outageMs = Date.now() - downAt;

    const finals = await waitForFinals(api.call, orders, { timeoutMs: 150_000 });
    const result = await audit(urls, orders, finals);
    const waitedOnInventory = [...finals.values()].filter((s) =>
      [...s.steps, ...s.compensations].some((r) => (r.name === 'reserveInventory' || r.name === 'releaseReservation') && r.attempts > 1),
    ).length;
    await recordChaosResult(
      'e-service-outage',
      caseSummary({
        ordersPushed: ORDERS,
        faultsInjected: `inventory off the network for ${Math.round(outageMs / 1000)} s (connections refused), ${ORDERS - BEFORE} orders placed during the outage`,
        audit: result,
        finals,
        startedAt: started,
        details: { outageMs, ordersThatRetriedInventory: waitedOnInventory },
      }),
    );

    expect(waitedOnInventory).toBeGreaterThan(0);
    expect(finals.size).toBe(ORDERS);
    expect(result.wrongEnds).toEqual([]);
    expect(result.wrongEffects).toEqual([]);
  });
});
