// Chaos (b): the Temporal server itself dies mid-flight (SIGKILL of its process group) and comes back on
// the same SQLite file and port. The worker and the API are the real processes and are NOT restarted:
// they must reconnect on their own, and every order must end right with each effect exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, audit, place, planOrders, pool, caseSummary, recordChaosResult, sleep, waitForFinals, type ApiCall } from '../support/chaos';
import type { ChildHandle } from '../support/processes';
import { startRig, type ChaosRig } from './harness';

const ORDERS = 40;
const CONCURRENCY = 8;
const CRASH_AFTER = 15;
const DOWN_MS = 5000;

let rig: ChaosRig;
let worker: ChildHandle;
let api: { handle: ChildHandle; url: string };

beforeAll(async () => {
  // A little latency, so that activities are in flight when the server dies.
  const slow = { latencyMs: 100 };
  rig = await startRig('temporal', { faults: { payments: slow, inventory: slow, shipping: slow } });
  [worker, api] = await Promise.all([rig.startWorker(), rig.startApi(), rig.ready]);
});

afterAll(() => rig?.stop());

describe('the Temporal server is killed and restarted mid-flight', () => {
  it('the worker and the API reconnect by themselves, and every order ends right, each effect once', async () => {
    const started = Date.now();
    const call = apiCaller(() => api.url);
    // Answers of POST /orders that were not a start: what clients saw of the outage.
    let refusedStarts = 0;
    const placing: ApiCall = async (path, init) => {
      const res = await call(path, init);
      if (res.status >= 500) refusedStarts++;
      return res;
    };
    const orders = planOrders('temporal', ORDERS);
    let accepted = 0;
    let outage: Promise<void> | undefined;
    let openAtCrash = 0;

    await pool(orders, CONCURRENCY, async ({ request }) => {
      // While Temporal is away the API answers 503: the client keeps retrying with the same orderId.
      await place(placing, request, { attempts: 60 });
      accepted++;
      if (accepted === CRASH_AFTER) {
        openAtCrash = accepted;
        outage = (async () => {
          await rig.killTemporal();
          await sleep(DOWN_MS);
          await rig.restartTemporal();
        })();
      }
    });
    await outage;

    const finals = await waitForFinals(call, orders, { timeoutMs: 150_000 });
    const result = await audit(rig.services.urls, orders, finals);
    // The same processes as at the start: nobody had to restart them.
    const survived = (child: ChildHandle) => child.child.exitCode === null && child.child.signalCode === null;

    await recordChaosResult(
      'b-temporal-restart',
      caseSummary({
        ordersPushed: ORDERS,
        faultsInjected: `Temporal dev server SIGKILLed after ${openAtCrash} orders were accepted, down ${DOWN_MS / 1000} s, restarted on the same SQLite file`,
        audit: result,
        finals,
        startedAt: started,
        details: { workerSurvived: survived(worker), apiSurvived: survived(api.handle), startsAnswered5xx: refusedStarts },
      }),
    );

    // The outage was real: the API said so to clients while Temporal was away.
    expect(refusedStarts).toBeGreaterThan(0);
    expect(survived(worker), worker.output().slice(-2000)).toBe(true);
    expect(survived(api.handle), api.handle.output().slice(-2000)).toBe(true);
    expect(finals.size).toBe(ORDERS);
    expect(result.wrongEnds).toEqual([]);
    expect(result.wrongEffects).toEqual([]);
  });
});
