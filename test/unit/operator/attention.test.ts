// The operator's list of orders needing a person keeps answering when one order cannot be asked about its
// state (its worker gone or past the deadline): that order is left out, the others are listed.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ordersNeedingAPerson } from '../../../api/operator/attention';

const startedAt = new Date(Date.now() - 60_000).toISOString();

/** Two running orders whose payment step is on its 5th attempt; only `order-readable` answers its state query. */
function fakeClient(): Client {
  const runs = [
    { workflowId: 'order-readable', runId: 'r1' },
    { workflowId: 'order-unreadable', runId: 'r2' },
  ];
  // Visibility: nothing in needs_attention, both runs among the others (for await takes a plain array too).
  const list = ({ query }: { query: string }) => (query.includes('!= "needs_attention"') ? runs : []);
  const getHandle = (workflowId: string) => ({
    describe: () =>
      Promise.resolve({
        runId: 'r',
        status: { name: 'RUNNING' },
        raw: { pendingActivities: [{ activityId: '1', activityType: { name: 'authorizePayment' }, attempt: 5, state: 1 }] },
      }),
    query: () =>
      workflowId === 'order-readable'
        ? Promise.resolve({ steps: [{ name: 'authorizePayment', status: 'running', attempts: 5, startedAt }] })
        : Promise.reject(new Error('query timed out: no worker')),
  });
  return { workflow: { list, getHandle } } as unknown as Client;
}

describe('orders needing a person', () => {
  it('lists the orders it can read when another cannot answer its state query', async () => {
    const { orders, scanned } = await ordersNeedingAPerson(
      fakeClient(),
      { temporalUiUrl: 'http://ui', namespace: 'default' },
      { retryingForMs: 1000, scanLimit: 10 },
    );
    expect(scanned).toBe(2);
    expect(orders.map((o) => [o.orderId, o.reason, o.step?.name, o.step?.attempt])).toEqual([['readable', 'step_retrying', 'authorizePayment', 5]]);
  });
});
