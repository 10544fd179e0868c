// The saga and the order's account of its steps, outside a worker: a step is recorded and its compensation
// registered whether its call fails by rejecting or by throwing before it returns a promise (they are
// written with `then`, not as async functions, which would turn such a throw into a rejection for them).
import { describe, expect, it, vi } from 'vitest';
import type { CompensationName, StepName } from '../../../contracts';
import { OrderStateTracker } from '../../../workflows/order-state';
import { Saga, type SagaStep } from '../../../workflows/saga';

vi.mock(import('@temporalio/workflow'), async (importOriginal) => ({
  ...(await importOriginal()),
  CancellationScope: {
    current: () => ({ consideredCancelled: false }),
    nonCancellable: <T>(fn: () => Promise<T>) => fn(),
  } as never,
  log: { info: () => undefined, warn: () => undefined } as never,
}));

const reserve = (run: () => Promise<{ value: string; attempt: number }>): SagaStep<{ value: string; attempt: number }, StepName, CompensationName> => ({
  name: 'reserveInventory',
  run,
  compensation: {
    name: 'releaseReservation',
    undo: (result) => Promise.resolve({ attempts: 1, undone: true, ...(result && { id: result.value }) }),
  },
});

function order() {
  const state = new OrderStateTracker('ord-1');
  return { state, saga: new Saga<StepName, CompensationName>(() => 'unknown', state) };
}

describe('a saga step', () => {
  it('that answers is recorded completed, and its compensation undoes what it returned', async () => {
    const { state, saga } = order();
    await expect(state.step('reserveInventory', () => saga.run(reserve(() => Promise.resolve({ value: 'res_1', attempt: 2 }))))).resolves.toBe('res_1');
    expect(state.snapshot().steps).toMatchObject([{ name: 'reserveInventory', status: 'completed', attempts: 2 }]);
    await expect(saga.compensate(1)).resolves.toBe(true);
    expect(state.snapshot().compensations).toEqual([{ name: 'releaseReservation', status: 'completed', attempts: 1 }]);
    expect(state.snapshot().steps[0]?.status).toBe('compensated');
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('inventory: connection lost'))],
    [
      'throws before it returns a promise',
      () => {
        throw new Error('inventory: connection lost');
      },
    ],
  ])('whose call %s is recorded failed, and what it may have done is undone', async (_how, run) => {
    const { state, saga } = order();
    await expect(state.step('reserveInventory', () => saga.run(reserve(run)), 3)).rejects.toThrow('inventory: connection lost');
    expect(state.snapshot().steps).toMatchObject([{ name: 'reserveInventory', status: 'failed', error: 'inventory: connection lost' }]);
    expect(saga.pending()).toMatchObject([{ step: 'reserveInventory', compensation: 'releaseReservation' }]);
    await expect(saga.compensate(1)).resolves.toBe(true);
    expect(state.snapshot().compensations).toMatchObject([{ name: 'releaseReservation', status: 'completed' }]);
  });
});
