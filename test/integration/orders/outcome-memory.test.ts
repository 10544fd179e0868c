// On a real server, an activity remembers across attempts that an earlier attempt may have taken
// effect (heartbeat details survive a failed attempt): a call that timed out once and then met only
// 503s still counts as "maybe applied", so its compensation checks instead of assuming nothing.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderSignals, orderWorkflow, type OrderWorkflow } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { uniqueTaskQueue } from '../../support/api';
import { clearFaults, effects, names, orderInput, queryUntil, setFaults } from '../../support/orders';
import { quietRuntime } from '../../support/quiet-runtime';
import { realActivities, workflowBundle } from '../../support/time-skipping';

const taskQueue = uniqueTaskQueue('orders-memory');
let services: RunningSampleServices;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let real: ReturnType<typeof realActivities>;

beforeAll(async () => {
  quietRuntime();
  services = await startSampleServices({ settleOutcome: 'never' });
  real = realActivities(services.urls, 300);
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
  worker = await Worker.create({
    connection: native,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: real.activities,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await connection?.close();
  await real?.http.close();
  await services?.close();
});

describe('an unknown outcome is remembered across attempts', () => {
  it('a shipment that timed out once, then met only 503s, is checked before the order gives up', async () => {
    await setFaults(services.urls.shipping, { hangNext: 1, failNext: 1000 });
    const input = orderInput();
    const handle = await client.workflow.start<OrderWorkflow>(orderWorkflow.type, {
      taskQueue,
      workflowId: orderWorkflow.workflowId(input.orderId),
      args: [input],
    });

    // Shipping still answers 503, so nobody can tell whether a shipment exists: a person is asked.
    const stuck = await queryUntil(handle, (s) => s.status === 'needs_attention', 20_000);
    expect(stuck.failure).toMatchObject({ step: 'createShipment', reason: 'service_unavailable' });
    expect(stuck.compensations.map((c) => [c.name, c.status])).toEqual([
      ['cancelShipment', 'failed'],
      ['releaseReservation', 'completed'],
      ['refundPayment', 'completed'],
    ]);

    // Shipping recovers; the operator retries: the repeated request shows what exists, and it is undone.
    await clearFaults(services.urls);
    await handle.signal(orderSignals.resolve, { action: 'retry' });
    const final = await handle.result();
    expect(final.status).toBe('failed');
    expect(names(final.compensations)).toEqual(['cancelShipment', 'releaseReservation', 'refundPayment']);
    expect(final.compensations.every((c) => c.status === 'completed')).toBe(true);
    expect(await effects(services.urls, input.orderId)).toMatchObject({
      payments: { charges: 1, refunds: 1 },
      inventory: { active: 0 },
      shipping: { shipments: 1, cancellations: 1 },
    });
  });
});
