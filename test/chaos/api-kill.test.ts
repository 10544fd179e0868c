// Chaos (c): the API process is SIGKILLed while clients are placing orders, then started again on the
// same port. Every order that got its 202 (or 200) must exist and finish; a client that got no answer
// retries with the same orderId and learns whether its order had started. Nothing lost, nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports';
import { apiCaller, audit, existence, place, planOrders, pool, caseSummary, recordChaosResult, waitForFinals } from '../support/chaos';
import { startRig, type ChaosRig } from './harness';

const ORDERS = 50;
const CONCURRENCY = 10;
const KILL_AFTER = 20;

let rig: ChaosRig;

beforeAll(async () => {
  rig = await startRig('api', { faults: { payments: { latencyMs: 20 }, inventory: { latencyMs: 20 }, shipping: { latencyMs: 20 } } });
  await Promise.all([rig.ready, rig.startWorker()]);
});

afterAll(() => rig?.stop());

describe('the API is SIGKILLed mid-load', () => {
  it('every acknowledged order exists and finishes; retried ones start at most once', async () => {
    const started = Date.now();
    const port = await freePort();
    let api = await rig.startApi(port);
    const call = apiCaller(() => api.url);
    const orders = planOrders('api', ORDERS);
    const acknowledged = new Set<string>();
    const inDoubt = new Set<string>();
    let killed = false;

    // One attempt each: what a client knows when the API dies under it.
    await pool(orders, CONCURRENCY, async ({ request }) => {
      try {
        await place(call, request, { attempts: 1 });
        acknowledged.add(request.orderId);
      } catch {
        inDoubt.add(request.orderId);
      }
      if (acknowledged.size === KILL_AFTER && !killed) {
        killed = true;
        api.handle.child.kill('SIGKILL');
      }
    });
    expect(api.handle.child.signalCode).toBe('SIGKILL');

    // The supervisor starts it again.
    api = await rig.startApi(port);
    const missing: string[] = [];
    await pool([...acknowledged], CONCURRENCY, async (orderId) => {
      const status = await existence(call, orderId);
      if (status !== 200) missing.push(`${orderId}: ${status ?? 'no answer'}`);
    });
    // Clients retry what they do not know about; 200 means the order had started before the kill.
    let existedAlready = 0;
    await pool(
      orders.filter((o) => inDoubt.has(o.request.orderId)),
      CONCURRENCY,
      async ({ request }) => {
        if ((await place(call, request)) === 200) existedAlready++;
      },
    );

    const finals = await waitForFinals(call, orders, { timeoutMs: 120_000 });
    const result = await audit(rig.services.urls, orders, finals);
    const acknowledgedLost = [...acknowledged].filter((id) => !finals.has(id)).length;
    await recordChaosResult(
      'c-api-kill',
      caseSummary({
        ordersPushed: ORDERS,
        faultsInjected: `API SIGKILLed after ${KILL_AFTER} acknowledged orders with ${CONCURRENCY} requests open, restarted on the same port; ${inDoubt.size} orders without an answer retried by the client (${existedAlready} had started)`,
        audit: result,
        finals,
        startedAt: started,
        ordersLost: acknowledgedLost + missing.length,
        details: {
          acknowledgedBeforeKill: acknowledged.size,
          inDoubt: inDoubt.size,
          inDoubtThatHadStarted: existedAlready,
          acknowledgedButMissing: missing.length,
        },
      }),
    );

    expect(inDoubt.size).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(finals.size).toBe(ORDERS);
    expect(result.wrongEnds).toEqual([]);
    expect(result.wrongEffects).toEqual([]);
  });
});
