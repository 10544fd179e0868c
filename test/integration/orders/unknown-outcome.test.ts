// A step whose outcome is unknown (no answer ever came back, or it was cancelled in flight) is still
// compensated: the compensation repeats the step's request under the same Idempotency-Key to learn
// what the service did, then undoes exactly that.
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attempted } from '../../../activities/attempts';
import type { Activities } from '../../../activities';
import type { ReleaseReservationInput, ReserveInventoryInput } from '../../../activities';
import { FailureType, orderWorkflow, type OrderInput, type OrderWorkflow } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { effects, FAST_TIMINGS, names, orderInput, queryUntil, setFaults } from '../../support/orders';
import { realActivities, startTimeSkipping, startWorker, type RunningWorker } from '../../support/time-skipping';

let env: TestWorkflowEnvironment;
let services: RunningSampleServices;
let real: ReturnType<typeof realActivities>;

beforeAll(async () => {
  [env, services] = await Promise.all([startTimeSkipping(), startSampleServices({ settleOutcome: 'never' })]);
  real = realActivities(services.urls, 2000);
});

afterAll(async () => {
  await real?.http.close();
  await services?.close();
  await env?.teardown();
});

afterEach(() => services.reset());

const attemptsPerStep = FAST_TIMINGS.steps.retry.maximumAttempts;

/** An inventory that keeps a reservation per Idempotency-Key, and answers only when told to. */
function flakyInventory(behaviour: { commits: boolean; answerAfterCalls: number; then: 'replay' | 'out_of_stock' }) {
  const byKey = new Map<string, string>();
  const released: string[] = [];
  let calls = 0;
  const reserveInventory = ({ idempotencyKey, orderId }: ReserveInventoryInput) =>
    attempted(() => {
      calls++;
      if (behaviour.commits && !byKey.has(idempotencyKey)) byKey.set(idempotencyKey, `res_${orderId}`);
      if (calls <= behaviour.answerAfterCalls) {
        throw ApplicationFailure.create({ type: FailureType.Timeout, message: 'inventory: no answer within 300 ms' });
      }
      const reservationId = byKey.get(idempotencyKey);
      if (reservationId) return Promise.resolve({ reservationId, orderId });
      if (behaviour.then === 'out_of_stock') {
        throw ApplicationFailure.create({ type: FailureType.OutOfStock, message: 'inventory: out of stock', nonRetryable: true });
      }
      byKey.set(idempotencyKey, `res_${orderId}`);
      return Promise.resolve({ reservationId: `res_${orderId}`, orderId });
    });
  const releaseReservation = ({ reservationId }: ReleaseReservationInput) =>
    attempted(() => {
      released.push(reservationId);
      return Promise.resolve('released' as const);
    });
  return { reserveInventory, releaseReservation, released, calls: () => calls };
}

async function runWith(activities: Partial<Activities>, input: OrderInput) {
  const worker: RunningWorker = await startWorker(env, { ...real.activities, ...activities });
  try {
    return await env.client.workflow.execute<OrderWorkflow>(orderWorkflow.type, {
      taskQueue: worker.taskQueue,
      workflowId: orderWorkflow.workflowId(input.orderId),
      args: [input],
    });
  } finally {
    await worker.stop();
  }
}

describe('compensating a step whose outcome is unknown', () => {
  it('a reservation made but never confirmed is found by its key and released', async () => {
    const inventory = flakyInventory({ commits: true, answerAfterCalls: attemptsPerStep, then: 'replay' });
    const input = orderInput();
    const final = await runWith(inventory, input);

    expect(final.status).toBe('failed');
    expect(final.failure).toMatchObject({ step: 'reserveInventory', reason: 'service_unavailable' });
    expect(final.steps.at(-1)).toMatchObject({ name: 'reserveInventory', status: 'compensated', attempts: attemptsPerStep });
    expect(names(final.compensations)).toEqual(['releaseReservation', 'refundPayment']);
    expect(inventory.released).toEqual([`res_${input.orderId}`]);
    expect(inventory.calls()).toBe(attemptsPerStep + 1);
  });

  it('when repeating the request meets a business refusal, there is nothing to release', async () => {
    const inventory = flakyInventory({ commits: false, answerAfterCalls: attemptsPerStep, then: 'out_of_stock' });
    const input = orderInput();
    const final = await runWith(inventory, input);

    expect(final.status).toBe('failed');
    expect(final.steps.at(-1)).toMatchObject({ name: 'reserveInventory', status: 'failed' });
    expect(final.compensations.map((c) => [c.name, c.status])).toEqual([
      ['releaseReservation', 'completed'],
      ['refundPayment', 'completed'],
    ]);
    expect(inventory.released).toEqual([]);
  });

  it('a cancellation while the reservation is in flight still releases what the service reserved', async () => {
    await setFaults(services.urls.inventory, { latencyMs: 600 });
    const input = orderInput();
    const worker = await startWorker(env, real.activities);
    try {
      const handle = await env.client.workflow.start<OrderWorkflow>(orderWorkflow.type, {
        taskQueue: worker.taskQueue,
        workflowId: orderWorkflow.workflowId(input.orderId),
        args: [input],
      });
      await queryUntil(handle, (s) => s.status === 'reserving');
      await handle.cancel();
      const final = await handle.result();

      expect(final.status).toBe('cancelled');
      expect(final.failure).toMatchObject({ step: 'reserveInventory', reason: 'cancelled' });
      expect(names(final.compensations)).toEqual(['releaseReservation', 'refundPayment']);
      expect(await effects(services.urls, input.orderId)).toEqual({
        payments: { charges: 1, refunds: 1, declines: 0 },
        inventory: { reservations: 1, releases: 1, active: 0 },
        shipping: { shipments: 0, cancellations: 0 },
      });
    } finally {
      await worker.stop();
    }
  });
});
