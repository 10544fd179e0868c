// The embedded dev server keeps its runs in a SQLite file; a file made before Baton's search
// attributes existed must still take orders, which set them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { BATON_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
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
    } finally {
      await after.stop();
    }
  }, 60_000);
});
