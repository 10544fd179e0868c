// A customer's burst allowance across replicas: two API processes (api/main.ts, as `npm run api` starts it)
// against one real Valkey/Redis server (BATON_RATE_LIMIT_REDIS_URL) and the shared Temporal dev server. The
// allowance holds in total, whichever replica a start reaches; with the store away, starts are still
// accepted and each replica's own count decides (api/workflows/shared-burst-priority.ts).
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderRequest } from '../../../contracts';
import { BURST_PRIORITY_KEY, type BurstAllowance } from '../../../api/workflows/burst-priority';
import { SharedBurstPriority } from '../../../api/workflows/shared-burst-priority';
import { burstLane } from '../../../lib/burst-lane';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, uniqueTaskQueue } from '../../support/api';
import { orderRequest, uniqueOrderId } from '../../support/orders';
import { testDataConverter } from '../../support/payload-keys';
import { startApiChild, type ChildHandle } from '../../support/processes';
import { startValkey, type RunningValkey } from '../../support/valkey';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const queue = uniqueTaskQueue('shared-burst');

let valkey: RunningValkey;
let connection: Connection;
let client: Client;
const apis: { handle: ChildHandle; url: string }[] = [];
const placed: OrderRequest[] = [];

async function startApi(): Promise<{ handle: ChildHandle; url: string }> {
  const api = await startApiChild({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: queue,
    PORT: '0',
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    BATON_RATE_LIMIT_REDIS_URL: valkey.url,
    // Two starts at once per customer, not refilled within the test.
    BATON_BURST_STARTS: '2',
    BATON_BURST_STARTS_PER_SECOND: '0.001',
  });
  await api.handle.waitFor(/burst allowances counted in the shared store/, 5000);
  return api;
}

beforeAll(async () => {
  valkey = await startValkey();
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace, dataConverter: testDataConverter() });
  apis.push(...(await Promise.all([startApi(), startApi()])));
});

afterAll(async () => {
  // No worker serves these runs.
  await Promise.all(
    placed.map((o) =>
      client?.workflow
        .getHandle(orderWorkflow.workflowId(o.orderId))
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
  await Promise.all(apis.map((a) => a.handle.stop()));
  await connection?.close();
  await valkey?.stop();
});

async function place(replica: number, customerId: string, i: number): Promise<OrderRequest> {
  const order = orderRequest({ orderId: uniqueOrderId(`shared-burst-${i}`), customerId });
  const res = await fetch(`${apis[replica]!.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  await res.body?.cancel();
  expect(res.status).toBe(202);
  placed.push(order);
  return order;
}

const placementOf = async (o: OrderRequest) => {
  const run = await client.workflow.getHandle(orderWorkflow.workflowId(o.orderId)).describe();
  return { taskQueue: run.taskQueue, priorityKey: run.raw.workflowExecutionInfo?.priority?.priorityKey ?? 0 };
};
const main = { taskQueue: queue, priorityKey: 0 };
const lowered = { taskQueue: burstLane(queue), priorityKey: BURST_PRIORITY_KEY };

describe('one burst allowance across two API replicas', () => {
  it("spends a customer's allowance once in total, whichever replica each start reaches", async () => {
    const orders: OrderRequest[] = [];
    // Alternating replicas: each alone would still have one start left for the third and fourth.
    for (let i = 0; i < 4; i++) orders.push(await place(i % 2, 'cus-shared-burst', i));
    expect(await Promise.all(orders.map(placementOf))).toEqual([main, main, lowered, lowered]);
    // Another customer has an allowance of its own.
    expect(await placementOf(await place(1, 'cus-shared-quiet', 4))).toEqual(main);
  });

  /** One customer's allowance in the store, spent by `pastAllowance` calls; any store error fails the test. */
  async function withStoredAllowance(allowance: BurstAllowance, key: string, body: (past: () => Promise<boolean>, redis: Redis) => Promise<void>) {
    const redis = new Redis(valkey.url);
    try {
      const allowances = new SharedBurstPriority(redis, allowance, (err) => {
        throw err;
      });
      await body(() => allowances.pastAllowance(key), redis);
    } finally {
      redis.disconnect();
    }
  }

  it("refills by the store's clock, and forgets a customer once its allowance is full again", async () => {
    // Two starts at once, one more each second. The steps below hold unless a loaded machine stalls these
    // calls and the sleep's overshoot by 0.8 s in all (at 10 a second, a stall of 50 ms could fail it).
    await withStoredAllowance({ burst: 2, perSecond: 1 }, 'cus-refill', async (past, redis) => {
      expect([await past(), await past(), await past()]).toEqual([false, false, true]);
      await new Promise((r) => setTimeout(r, 1200));
      expect([await past(), await past()]).toEqual([false, true]);
      // The bucket lives no longer than it takes to fill again (two tokens at one a second), plus a second.
      const ttl = await redis.pttl('baton:burst:cus-refill');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3000);
    });
  });

  it('earns a bursting customer nothing back until it pauses for a whole refill', async () => {
    // One start at once, one more each second; each start past the allowance restarts the refill. The steps
    // hold unless a loaded machine stalls these calls and each sleep's overshoot by 0.4 s.
    await withStoredAllowance({ burst: 1, perSecond: 1 }, 'cus-bursting', async (past) => {
      expect([await past(), await past()]).toEqual([false, true]);
      await new Promise((r) => setTimeout(r, 600));
      expect(await past()).toBe(true);
      await new Promise((r) => setTimeout(r, 600)); // 1.2 s since the first start past it, 0.6 s since the last
      expect(await past()).toBe(true);
      await new Promise((r) => setTimeout(r, 1100));
      expect([await past(), await past()]).toEqual([false, true]);
    });
  });

  it("accepts every start while the store is away, each replica's own count deciding", async () => {
    await valkey.stop();
    const orders: OrderRequest[] = [];
    for (let i = 0; i < 3; i++) orders.push(await place(0, 'cus-shared-outage', 10 + i));
    expect(await Promise.all(orders.map(placementOf))).toEqual([main, main, lowered]);
    expect(apis[0]!.handle.output()).toMatch(/the burst allowance store \(BATON_RATE_LIMIT_REDIS_URL\) is not reachable/);
  });
});
