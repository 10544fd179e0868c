// Chaos (d): payments, inventory and shipping misbehave the whole time: 30% of calls answer 503 before
// doing anything, one in ten state-changing calls that get through applies its effect but answers 503
// (the answer is lost), answers wander by up to 300 ms, and 3% of calls hang until the worker's HTTP
// timeout gives up on them. Retries must carry every order to its right end with each effect once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallTimings, OrderTimings } from '../../contracts';
import type { FaultConfig } from '../../dev/services';
import type { TestApi } from '../support/api';
import { audit, caseSummary, place, planOrders, pool, recordChaosResult, retriedAttempts, waitForFinals } from '../support/chaos';
import { orderTimings } from '../support/orders';
import { startRig, type ChaosRig } from './harness';

const ORDERS = 40;
const FLAKY: FaultConfig = { errorRate: 0.3, commitThenFailRate: 0.1, latencyMs: 10, jitterMs: 300, hangRate: 0.03 };

/**
 * About four in ten attempts fail here, so a step gets 15 (0.4^15: one in six million gives up); quick
 * backoff keeps the run short. A hung call is cut by the worker's 1 s HTTP timeout, well inside start-to-close.
 */
const call: CallTimings = {
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '100 ms', backoffCoefficient: 2, maximumInterval: '1 second', maximumAttempts: 15 },
};
const TIMINGS: OrderTimings = orderTimings(call);

let rig: ChaosRig;
let api: TestApi;

beforeAll(async () => {
  rig = await startRig('flaky', { faults: { payments: FLAKY, inventory: FLAKY, shipping: FLAKY } });
  [api] = await Promise.all([rig.startInProcessApi(TIMINGS), rig.startWorker()]);
});

afterAll(() => rig?.stop());

describe('downstream services fail, jitter and hang', () => {
  it('every order ends right, each effect once, no compensation missed', async () => {
    const started = Date.now();
    const orders = planOrders('flaky', ORDERS);
    await pool(orders, 10, ({ request }) => place(api.call, request).then(() => undefined));

    const finals = await waitForFinals(api.call, orders, { timeoutMs: 180_000 });
    const result = await audit(rig.services.urls, orders, finals);
    const retried = retriedAttempts(finals.values());
    await recordChaosResult(
      'd-flaky-services',
      caseSummary({
        ordersPushed: ORDERS,
        faultsInjected: `payments, inventory, shipping: ${JSON.stringify(FLAKY)}`,
        audit: result,
        finals,
        startedAt: started,
      }),
    );

    // The faults really bit: plenty of attempts had to be repeated.
    expect(retried).toBeGreaterThan(10);
    expect(finals.size).toBe(ORDERS);
    expect(result.wrongEnds).toEqual([]);
    expect(result.wrongEffects).toEqual([]);
  });
});
