// The embedded dev server keeps its runs in a SQLite file; a file made before Baton's search
// attributes existed must still take orders, which set them, at once: the file-backed server no longer
// re-reads its search attributes at every look-up (dev/temporal/dev-server.ts DEFAULT_DYNAMIC_CONFIG).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { orderWorkflow } from '../../../contracts/order-basics';
import { BATON_SEARCH_ATTRIBUTES, orderSearchAttributes } from '../../../contracts/search-attributes';
import { startDevServer } from '../../../dev/temporal/dev-server';

async function customAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes: found } = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.keys(found ?? {});
  } finally {
    await connection.close();
  }
}

describe('dev server', () => {
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
