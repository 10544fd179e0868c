// The path API -> Temporal -> worker (a real child process) -> activity -> sample service, over real HTTP.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { type ChildHandle, startChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('welcome');

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;

beforeAll(async () => {
  services = await startSampleServices();
  worker = startChild('worker/main.ts', {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    USERS_URL: services.urls.users,
  });
  api = await startTestApi({ address, namespace, taskQueue });
  await worker.waitFor(WORKER_READY);
});

afterAll(async () => {
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

async function untilClosed(workflowId: string) {
  for (let i = 0; i < 100; i++) {
    const res = await api.call(`/workflows/welcomeUser/${workflowId}`);
    const body = (await res.json()) as { status: string; result?: { message: string }; failure?: string };
    if (body.status !== 'RUNNING') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('workflow did not close');
}

describe('first workflow end to end', () => {
  it('is ready once Temporal is reachable', async () => {
    const res = await fetch(`${api.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', temporal: 'reachable' });
  });

  it('starts the workflow, which greets the user fetched from the users service', async () => {
    const start = await api.call('/workflows/welcomeUser', { method: 'POST', json: { userId: 'u-42' } });
    expect(start.status).toBe(202);
    const started = (await start.json()) as { workflowId: string; runId: string; links: { self: string; temporalUi: string } };
    expect(started.workflowId).toMatch(/^welcome-u-42-/);
    expect(started.links.temporalUi).toContain(`/namespaces/${namespace}/workflows/${started.workflowId}/${started.runId}`);
    expect(start.headers.get('location')).toBe(started.links.self);

    const closed = await untilClosed(started.workflowId);
    expect(closed.status).toBe('COMPLETED');
    const user = (await (await fetch(`${services.urls.users}/users/u-42`)).json()) as { name: string };
    expect(closed.result?.message).toBe(`Welcome, ${user.name}!`);

    // The run is in Temporal's own records, as the Web UI and `temporal workflow list` show it.
    const description = await api.client.workflow.getHandle(started.workflowId).describe();
    expect(description.type).toBe('welcomeUser');
    expect(description.taskQueue).toBe(taskQueue);
  });

  it('fails the workflow for an unknown user without retrying a business answer', async () => {
    const start = await api.call('/workflows/welcomeUser', { method: 'POST', json: { userId: 'nobody-here' } });
    const { workflowId } = (await start.json()) as { workflowId: string };
    const closed = await untilClosed(workflowId);
    expect(closed.status).toBe('FAILED');
    const history = await api.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt);
    expect(attempts).toEqual([1]);
  });

  it('answers 404 for an unknown workflow', async () => {
    const res = await api.call('/workflows/welcomeUser/welcome-nobody-0000');
    expect(res.status).toBe(404);
  });

  it('stops the worker gracefully on SIGTERM', async () => {
    const code = await worker.stop('SIGTERM', 20_000);
    expect(code).toBe(0);
    expect(worker.output()).toMatch(/worker stopped/);
  });
});
