// A customer's burst past its allowance starts one step lower on a real server, so that other customers'
// orders go ahead of it on every queue, sticky ones included (api/workflows/burst-priority.ts). No worker:
// the runs only need to exist to be described, as the Web UI and `temporal workflow describe` show them.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderRequest } from '../../../contracts';
import { BURST_PRIORITY_KEY } from '../../../api/workflows/burst-priority';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { place } from '../../support/chaos';
import { orderRequest, uniqueOrderId } from '../../support/orders';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

let api: TestApi;
const placed: OrderRequest[] = [];

const order = (customerId: string, i: number): OrderRequest => orderRequest({ orderId: uniqueOrderId(`burst-${i}`), customerId });
/** The run's priority key as the server stores it; 0 is unset, which the server treats as its default, 3. */
const priorityKeyOf = async (o: OrderRequest): Promise<number> => {
  const run = await api.client.workflow.getHandle(orderWorkflow.workflowId(o.orderId)).describe();
  return run.raw.workflowExecutionInfo?.priority?.priorityKey ?? 0;
};

beforeAll(async () => {
  // An allowance of 3 that does not refill within the test.
  api = await startTestApi({ address, namespace, taskQueue: uniqueTaskQueue('burst-priority'), config: { burstAllowance: { burst: 3, perSecond: 0.001 } } });
});

afterAll(async () => {
  await Promise.all(
    placed.map((o) =>
      api.client.workflow
        .getHandle(orderWorkflow.workflowId(o.orderId))
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
  await api?.stopAll();
});

describe("a customer's burst", () => {
  it('starts past its allowance one step lower, and nobody else is lowered', async () => {
    const burst = [0, 1, 2, 3, 4].map((i) => order('cus-burst-priority', i));
    const other = order('cus-quiet-priority', 5);
    for (const o of [...burst, other]) {
      expect(await place(api.call, o)).toBe(202);
      placed.push(o);
    }
    expect(await Promise.all(burst.map(priorityKeyOf))).toEqual([0, 0, 0, BURST_PRIORITY_KEY, BURST_PRIORITY_KEY]);
    expect(await priorityKeyOf(other)).toBe(0);
  });

  it('is not lowered when the allowance is off', async () => {
    const off = await startTestApi({ address, namespace, taskQueue: uniqueTaskQueue('burst-off'), config: { burstAllowance: { burst: 0, perSecond: 1 } } });
    try {
      const orders = [0, 1, 2, 3].map((i) => order('cus-burst-off', 10 + i));
      for (const o of orders) {
        expect(await place(off.call, o)).toBe(202);
        placed.push(o);
      }
      expect(await Promise.all(orders.map(priorityKeyOf))).toEqual([0, 0, 0, 0]);
    } finally {
      await off.stopAll();
    }
  });
});
