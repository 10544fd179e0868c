// The embedded dev server keeps its runs in a SQLite file; a file made before Baton's search
// attributes existed must still take orders, which set them, at once: the file-backed server no longer
// re-reads its search attributes at every look-up (dev/temporal/dev-server.ts DEFAULT_DYNAMIC_CONFIG).
// The file-backed server gives each task queue one partition; a file an earlier server wrote with the
// server's default four still hands out every task it holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { orderWorkflow } from '../../../contracts/order-basics';
import { BATON_SEARCH_ATTRIBUTES, orderSearchAttributes } from '../../../contracts/search-attributes';
import { DEFAULT_DYNAMIC_CONFIG, startDevServer, taskQueuePartitions } from '../../../dev/temporal/dev-server';

async function customAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes: found } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.keys(found ?? {});
  } finally {
    await connection.close();
  }
}

/** How many partitions the server gives `taskQueue`'s workflow tasks. */
async function workflowPartitions(connection: Connection, namespace: string, taskQueue: string): Promise<number> {
  const { workflowTaskQueuePartitions } = await connection.workflowService.listTaskQueuePartitions({ namespace, taskQueue: { name: taskQueue } });
  return workflowTaskQueuePartitions?.length ?? 0;
}

/** Takes workflow tasks from `taskQueue` as a worker would, until `count` or until none comes within a few seconds. */
async function takeWorkflowTasks(connection: Connection, namespace: string, taskQueue: string, count: number): Promise<Set<string>> {
  const seen = new Set<string>();
  while (seen.size < count) {
    const task = await connection
      .withDeadline(Date.now() + 5_000, () => connection.workflowService.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity: 'test' }))
      .catch(() => undefined);
    const id = task?.workflowExecution?.workflowId;
    if (!id) break;
    seen.add(id);
  }
  return seen;
}

describe('dev server', () => {
  it('gives each task queue one partition, and loses no task a file with four partitions holds', async () => {
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'baton-db-')), 'temporal.sqlite');
    const older = await startDevServer({ dbFilename, dynamicConfig: { ...DEFAULT_DYNAMIC_CONFIG, ...taskQueuePartitions(4) } });
    const ids = Array.from({ length: 16 }, (_, i) => `waiting-${i}`);
    try {
      const connection = await Connection.connect({ address: older.address });
      try {
        // Nobody polls: each first workflow task waits in the database, in whichever partition it landed.
        const client = new Client({ connection, namespace: older.namespace });
        for (const workflowId of ids) await client.workflow.start('anything', { taskQueue: 'later', workflowId, args: [] });
        expect(await workflowPartitions(connection, older.namespace, 'later')).toBe(4);
      } finally {
        await connection.close();
      }
    } finally {
      await older.stop();
    }

    const reopened = await startDevServer({ dbFilename });
    const connection = await Connection.connect({ address: reopened.address });
    try {
      expect(await workflowPartitions(connection, reopened.namespace, 'later')).toBe(1);
      expect(await takeWorkflowTasks(connection, reopened.namespace, 'later', ids.length)).toEqual(new Set(ids));
    } finally {
      await connection.close();
      await reopened.stop();
    }
  }, 90_000);

  it('registers the search attributes on a database made without them', async () => {
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'baton-db-')), 'temporal.sqlite');
    const before = await startDevServer({ dbFilename });
    expect(await customAttributes(before.address, before.namespace)).not.toContain('CustomerId');
    await before.stop();

    const after = await startDevServer({ dbFilename, searchAttributes: [...BATON_SEARCH_ATTRIBUTES] });
    try {
      expect(await customAttributes(after.address, after.namespace)).toEqual(expect.arrayContaining(['CustomerId', 'OrderStatus']));
      // A start that sets them, right away: no worker is needed for the server to accept it and index it.
      const connection = await Connection.connect({ address: after.address });
      try {
        const client = new Client({ connection, namespace: after.namespace });
        const handle = await client.workflow.start(orderWorkflow.type, {
          taskQueue: 'nobody-polls',
          workflowId: orderWorkflow.workflowId('sa-check'),
          args: [],
          typedSearchAttributes: orderSearchAttributes({ customerId: 'cust-sa' }, 'awaiting_payment'),
        });
        await expect
          .poll(async () => (await client.workflow.count(`CustomerId = 'cust-sa' AND OrderStatus = 'awaiting_payment'`)).count, { timeout: 10_000 })
          .toBe(1);
        await handle.terminate();
      } finally {
        await connection.close();
      }
    } finally {
      await after.stop();
    }
  }, 60_000);
});
