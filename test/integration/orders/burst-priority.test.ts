// A customer's burst past its allowance runs on the task queue's burst lane, one priority step lower, on a
// real server (api/workflows/burst-priority.ts, lib/burst-lane.ts): the runs are described as the Web UI
// and `temporal workflow describe` show them, and a real worker (`npm run worker`, a child process) serves
// both lanes, so every order of the burst completes and the order list finds them all.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderRequest } from '../../../contracts';
import { BURST_PRIORITY_KEY } from '../../../api/workflows/burst-priority';
import { burstLane } from '../../../lib/burst-lane';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { place, untilOrder } from '../../support/chaos';
import { FAST_TIMINGS, orderRequest, uniqueOrderId } from '../../support/orders';
import { type ChildHandle, startWorkerChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

let api: TestApi;
const queue = uniqueTaskQueue('burst-priority');
const placed: { api: TestApi; order: OrderRequest }[] = [];

const order = (customerId: string, i: number): OrderRequest => orderRequest({ orderId: uniqueOrderId(`burst-${i}`), customerId });
/** Where and at which priority the run waits for its tasks; priority 0 is unset, which the server treats as its default, 3. */
const placementOf = async (on: TestApi, o: OrderRequest) => {
  const run = await on.client.workflow.getHandle(orderWorkflow.workflowId(o.orderId)).describe();
  return { taskQueue: run.taskQueue, priorityKey: run.raw.workflowExecutionInfo?.priority?.priorityKey ?? 0 };
};
const placeAll = async (on: TestApi, orders: OrderRequest[]) => {
  for (const o of orders) {
    expect(await place(on.call, o)).toBe(202);
    placed.push({ api: on, order: o });
  }
};

beforeAll(async () => {
  // An allowance of 3 that does not refill within the test.
  api = await startTestApi({ address, namespace, taskQueue: queue, config: { burstAllowance: { burst: 3, perSecond: 0.001 } } });
});

afterAll(async () => {
  // Runs no worker serves; those that completed are left alone.
  await Promise.all(
    placed.map(({ api: on, order: o }) =>
      on.client.workflow
        .getHandle(orderWorkflow.workflowId(o.orderId))
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
  await api?.stopAll();
});

describe("a customer's burst", () => {
  it('runs past its allowance on the burst lane, one step lower, and nobody else does', async () => {
    const burst = [0, 1, 2, 3, 4].map((i) => order('cus-burst-priority', i));
    const other = order('cus-quiet-priority', 5);
    await placeAll(api, [...burst, other]);
    const main = { taskQueue: queue, priorityKey: 0 };
    const lowered = { taskQueue: burstLane(queue), priorityKey: BURST_PRIORITY_KEY };
    expect(await Promise.all(burst.map((o) => placementOf(api, o)))).toEqual([main, main, main, lowered, lowered]);
    expect(await placementOf(api, other)).toEqual(main);
  });

  it('stays on the main lane when the allowance is off', async () => {
    const offQueue = uniqueTaskQueue('burst-off');
    const off = await startTestApi({ address, namespace, taskQueue: offQueue, config: { burstAllowance: { burst: 0, perSecond: 1 } } });
    try {
      const orders = [0, 1, 2, 3].map((i) => order('cus-burst-off', 10 + i));
      await placeAll(off, orders);
      const main = { taskQueue: offQueue, priorityKey: 0 };
      expect(await Promise.all(orders.map((o) => placementOf(off, o)))).toEqual([main, main, main, main]);
    } finally {
      await off.stopAll();
    }
  });
});

describe('a worker serves the burst lane beside its task queue', () => {
  let services: RunningSampleServices;
  let worker: ChildHandle;
  let served: TestApi;
  const taskQueue = uniqueTaskQueue('burst-lane');

  beforeAll(async () => {
    services = await startSampleServices();
    worker = startWorkerChild({ address, namespace, taskQueue }, services.urls);
    served = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: FAST_TIMINGS, burstAllowance: { burst: 2, perSecond: 0.001 } } });
    await worker.waitFor(WORKER_READY);
  });

  afterAll(async () => {
    await served?.stopAll();
    await worker?.stop();
    await services?.close();
  });

  it('completes every order of a burst, and lists them all', async () => {
    const orders = [0, 1, 2, 3, 4, 5].map((i) => order('cus-burst-served', 20 + i));
    await placeAll(served, orders);
    const lanes = await Promise.all(orders.map(async (o) => (await placementOf(served, o)).taskQueue));
    expect(lanes.filter((q) => q === burstLane(taskQueue))).toHaveLength(4);
    for (const o of orders) expect((await untilOrder(served.call, o.orderId, (s) => s.status === 'completed', 'completed')).status).toBe('completed');

    // The order list reads both lanes (Temporal's visibility lags its writes by a moment).
    const listed = async () => {
      const res = await served.call('/workflows/order?status=completed&pageSize=50');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { workflows: { workflowId: string }[] };
      return new Set(body.workflows.map((w) => w.workflowId));
    };
    const wanted = orders.map((o) => orderWorkflow.workflowId(o.orderId));
    const deadline = Date.now() + 15_000;
    let seen = await listed();
    while (!wanted.every((id) => seen.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      seen = await listed();
    }
    expect(wanted.filter((id) => !seen.has(id))).toEqual([]);
  });
});
