// README "Add a workflow", as written: a workflow (test/fixtures/workflows/counter.ts), one
// definition (counter-definition.ts), registered with the API; the routes, validation, OpenAPI
// entries and typed client follow. The worker runs in process, bundling the fixture workflows.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from 'vitest';
import { BatonApiError, createBatonClient } from '../../../client/baton-client';
import { workflowRegistry } from '../../../contracts';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import { testDataConverter } from '../../support/payload-keys';
import { quietRuntime } from '../../support/quiet-runtime';
import { counterDefinition } from '../../fixtures/workflows/counter-definition';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('add-a-workflow');

// Step 3: register it. Here the test's own registry; in Baton, a line in contracts/registry.ts.
const registry = { ...workflowRegistry, [counterDefinition.type]: counterDefinition };

let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let api: TestApi;
const baton = () => createBatonClient<typeof registry>({ baseUrl: api.url, token: TEST_TOKEN });

beforeAll(async () => {
  quietRuntime();
  connection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    // The test API encrypts what it sends: the worker needs the same keys.
    dataConverter: testDataConverter(),
    workflowsPath: fileURLToPath(new URL('../../fixtures/workflows/index.ts', import.meta.url)),
  });
  running = worker.run();
  api = await startTestApi({ address, namespace, taskQueue, workflows: Object.values(registry) });
});

afterAll(async () => {
  await api?.stopAll();
  worker?.shutdown();
  await running;
  await connection?.close();
});

describe('a new workflow type, from its definition alone', () => {
  it('gets typed OpenAPI entries', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/workflows/counter',
        '/workflows/counter/{id}',
        '/workflows/counter/{id}/signals/add',
        '/workflows/counter/{id}/queries/value',
        '/workflows/counter/{id}/updates/reset',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('CounterAddSignal');
  });

  it('starts, takes signals, queries and updates, and ends with its result', async () => {
    const client = baton();
    const started = await client.start('counter', { start: 5 }, { idempotencyKey: `k-${taskQueue}` });
    expect(started.httpStatus).toBe(202);
    const id = started.run.workflowId;
    expect(id).toBe(`counter-k-${taskQueue}`);

    await client.signal('counter', id, 'add', { by: 3 });
    expect(await client.query('counter', id, 'value')).toBe(8);
    expect(await client.update('counter', id, 'reset', { to: 100 })).toEqual({ previous: 8 });
    await client.signal('counter', id, 'add', { by: 1 });

    const bad = await client.signal('counter', id, 'add', { by: 0 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BatonApiError);
    expect((bad as BatonApiError).status).toBe(400);
    expect((bad as BatonApiError).problem?.errors?.[0]?.path).toBe('by');

    await client.signal('counter', id, 'finish', {});
    const described = await client.describe('counter', id);
    const done = described.status === 'RUNNING' ? await waitClosed(id) : described;
    expect(done).toMatchObject({ status: 'COMPLETED', result: { total: 101 } });
    expectTypeOf(done.result).toEqualTypeOf<{ total: number } | undefined>();
    // A closed run still answers its queries (the worker replays it).
    expect(await client.query('counter', id, 'value')).toBe(101);
  });

  it('answers a start within Prefer: wait when the run is that quick, else 202', async () => {
    const client = baton();
    const slow = await client.start('counter', {}, { waitSeconds: 1 });
    expect(slow.httpStatus).toBe(202);
    expect(slow.preferenceApplied).toBe('wait=1');
    expect(slow.location).toBe(`/workflows/counter/${slow.run.workflowId}`);
    await client.cancel('counter', slow.run.workflowId);
    const cancelled = await waitClosed(slow.run.workflowId);
    expect(cancelled.status).toBe('CANCELLED');
  });
});

async function waitClosed(id: string) {
  for (let i = 0; i < 100; i++) {
    const run = await baton().describe('counter', id);
    if (run.status !== 'RUNNING') return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} never closed`);
}
