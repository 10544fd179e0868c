// Baton against a cluster it did not set up: real dev servers started WITHOUT Baton's search attributes
// (as a fresh namespace on a user's own Temporal is), the API and the worker as the real processes
// (`npm run api`, `npm run worker`), the sample services, and the `temporal` CLI a person would use.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderState } from '../../../contracts';
import { startDevServer, type DevServer } from '../../../dev/temporal/dev-server';
import { freePort } from '../../../dev/ports';
import { resolveTemporalCli } from '../../../dev/temporal/temporal-binaries';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { apiCaller, uniqueTaskQueue, type ApiCall } from '../../support/api';
import { startApiProcess, startWorkerProcess, type ApiProcess, type Stack } from '../../support/chaos';
import { orderRequest, uniqueOrderId } from '../../support/orders';
import { type ChildHandle, startWorkerChild, WORKER_READY } from '../../support/processes';

const CREATE_BOTH = (namespace: string) =>
  `temporal operator search-attribute create --namespace ${namespace} --name CustomerId --type Keyword --name OrderStatus --type Keyword`;

let services: RunningSampleServices;
const servers: DevServer[] = [];
const children: ChildHandle[] = [];

beforeAll(async () => {
  services = await startSampleServices();
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  await Promise.all(servers.map((server) => server.stop()));
  await services?.close();
});

/** A fresh dev server with no search attributes but the built-in ones (or these, as `name=Type`). */
async function bareServer(searchAttributes: string[] = []): Promise<DevServer> {
  const server = await startDevServer({ logLevel: 'error', searchAttributes });
  servers.push(server);
  return server;
}

const stackOn = (server: DevServer, namespace = server.namespace): Stack => ({
  address: server.address,
  namespace,
  taskQueue: uniqueTaskQueue('existing-cluster'),
  serviceUrls: services.urls,
});

async function api(stack: Stack, env: Record<string, string> = {}): Promise<ApiProcess & { call: ApiCall }> {
  const started = await startApiProcess(stack, await freePort(), env);
  children.push(started.handle);
  return { ...started, call: apiCaller(() => started.url) };
}

async function worker(stack: Stack, env: Record<string, string> = {}): Promise<ChildHandle> {
  const started = await startWorkerProcess(stack, env);
  children.push(started);
  return started;
}

/** What a person does with the command a 503 names: run it with the `temporal` CLI, against this server. */
async function run(command: string, address: string): Promise<void> {
  const cli = resolveTemporalCli().executable;
  if (cli.type !== 'existing-path') throw new Error('the temporal CLI is not installed (npm run setup)');
  const [program, ...args] = command.split(' ');
  expect(program).toBe('temporal');
  await promisify(execFile)(cli.path, args, { env: { ...process.env, TEMPORAL_ADDRESS: address } });
}

/** Polls `attempt` until it returns something; `lastSeen` explains a timeout. */
async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, lastSeen = () => '', timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; last seen: ${lastSeen()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The order completes, and the search by its customer finds it (visibility is eventually consistent). */
async function completesAndIsFound(call: ApiCall, orderId: string, customerId: string): Promise<void> {
  await eventually(`order ${orderId} completing`, async () => {
    const res = await call(`/orders/${orderId}`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as OrderState;
    return state.status === 'completed' ? state : undefined;
  });
  await eventually(`order ${orderId} found by customer`, async () => {
    const res = await call(`/orders?customerId=${customerId}`);
    expect(res.status).toBe(200);
    const { orders } = (await res.json()) as { orders: { orderId: string; status?: string }[] };
    return orders.find((o) => o.orderId === orderId && o.status === 'completed');
  });
}

interface Problem {
  type: string;
  status: number;
  detail: string;
}

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as Problem;
}

describe('a fresh namespace without Baton search attributes', () => {
  it('the API adds them itself: the very first POST /orders is a 202, and the order completes and is found', { timeout: 120_000 }, async () => {
    const server = await bareServer();
    const stack = stackOn(server);
    const baton = await api(stack);
    const customerId = `cus-${randomUUID().slice(0, 8)}`;
    const order = orderRequest({ customerId });
    // Before any worker (which would add them too) exists: the API alone set the namespace up.
    const first = await baton.call('/orders', { method: 'POST', json: order });
    expect(first.status, await first.clone().text()).toBe(202);
    // (Its log line may reach us just after the response: wait for it rather than read the output so far.)
    await baton.handle.waitFor(/registered Baton's search attributes CustomerId, OrderStatus in \\"default\\"/, 10_000);

    await worker(stack);
    await completesAndIsFound(baton.call, order.orderId, customerId);
    const ready = await baton.call('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', namespace: { name: 'default', state: 'ready' } });
  });
});

describe('BATON_REGISTER_SEARCH_ATTRIBUTES=false on a namespace without them', () => {
  it('503s that name both attributes and the command, then recovery without a restart once a person runs it', { timeout: 150_000 }, async () => {
    const server = await bareServer();
    const stack = stackOn(server);
    const off = { BATON_REGISTER_SEARCH_ATTRIBUTES: 'false' };
    const baton = await api(stack, off);
    // The worker does not add them either, says what to run, and polls anyway.
    const batonWorker = await worker(stack, off);
    await batonWorker.waitFor(new RegExp(CREATE_BOTH('default')), 10_000);

    const readyz = await baton.call('/readyz');
    expect(readyz.status).toBe(503);
    const health = (await readyz.json()) as {
      status: string;
      namespace: { state: string; missingSearchAttributes: string[]; command: string; detail: string };
    };
    expect(health.status).toBe('unavailable');
    expect(health.namespace).toMatchObject({
      state: 'search-attributes-missing',
      missingSearchAttributes: ['CustomerId', 'OrderStatus'],
      command: CREATE_BOTH('default'),
    });
    expect(health.namespace.detail).toContain(CREATE_BOTH('default'));

    const customerId = `cus-${randomUUID().slice(0, 8)}`;
    const order = orderRequest({ customerId });
    for (const res of [await baton.call('/orders', { method: 'POST', json: order }), await baton.call(`/orders?customerId=${customerId}`)]) {
      expect(res.status).toBe(503);
      const body = await problem(res);
      expect(body.type).toBe('https://baton.dev/problems/search-attributes-missing');
      expect(body.detail).toContain('CustomerId, OrderStatus');
      expect(body.detail).toContain(CREATE_BOTH('default'));
    }
    // Nothing was started by the refused POST.
    expect((await baton.call(`/orders/${order.orderId}`)).status).toBe(503);
    // Other routes keep working.
    expect((await baton.call('/healthz')).status).toBe(200);
    expect((await baton.call('/profiles/u-1')).status).toBe(200);

    await run(health.namespace.command, server.address);

    // The same API process, no restart: every answer until then is the 503, never a 500.
    const statuses = new Set<number>();
    let last = '';
    await eventually(
      'POST /orders answering 202',
      async () => {
        const res = await baton.call('/orders', { method: 'POST', json: order });
        statuses.add(res.status);
        last = `${res.status} ${await res.text()}`;
        return res.status === 202 ? true : undefined;
      },
      () => last,
    );
    expect([...statuses].filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect((await baton.call('/readyz')).status).toBe(200);
    await completesAndIsFound(baton.call, order.orderId, customerId);
  });
});

describe('a namespace that does not exist', () => {
  it('503s naming the namespace and the command; once created, Baton sets it up and serves orders', { timeout: 150_000 }, async () => {
    const server = await bareServer();
    const namespace = `baton-missing-${randomUUID().slice(0, 6)}`;
    const stack = stackOn(server, namespace);
    const create = `temporal operator namespace create --namespace ${namespace}`;
    const baton = await api(stack);
    // The worker cannot poll a namespace that does not exist: it says what to run and waits.
    const batonWorker = startWorkerChild(stack, stack.serviceUrls);
    const stoppedWhileWaiting = startWorkerChild(stack, stack.serviceUrls);
    children.push(batonWorker, stoppedWhileWaiting);
    await batonWorker.waitFor(new RegExp(create));
    // A worker told to stop while it waits goes at once (exit 0, not killed after the grace period).
    await stoppedWhileWaiting.waitFor(new RegExp(create));
    expect(await stoppedWhileWaiting.stop('SIGTERM', 10_000)).toBe(0);

    const readyz = await baton.call('/readyz');
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ status: 'unavailable', namespace: { name: namespace, state: 'namespace-not-found', command: create } });
    const customerId = `cus-${randomUUID().slice(0, 8)}`;
    const order = orderRequest({ customerId, orderId: uniqueOrderId() });
    for (const res of [await baton.call('/orders', { method: 'POST', json: order }), await baton.call(`/orders?customerId=${customerId}`)]) {
      expect(res.status).toBe(503);
      const body = await problem(res);
      expect(body.type).toBe('https://baton.dev/problems/namespace-not-found');
      expect(body.detail).toContain(namespace);
      expect(body.detail).toContain(create);
    }

    await run(create, server.address);

    let last = '';
    await eventually(
      'POST /orders answering 202',
      async () => {
        const res = await baton.call('/orders', { method: 'POST', json: order });
        last = `${res.status} ${await res.text()}`;
        expect([202, 503], last).toContain(res.status);
        return res.status === 202 ? true : undefined;
      },
      () => last,
    );
    await batonWorker.waitFor(WORKER_READY);
    await completesAndIsFound(baton.call, order.orderId, customerId);
  });
});

describe('a search attribute registered with another type', () => {
  it('is reported with the commands that replace it, never changed by Baton; running them fixes it', { timeout: 90_000 }, async () => {
    const server = await bareServer(['CustomerId=Text']);
    const baton = await api(stackOn(server));
    const fix =
      'temporal operator search-attribute remove --namespace default --name CustomerId --yes && ' +
      'temporal operator search-attribute create --namespace default --name CustomerId --type Keyword';
    const readyz = await baton.call('/readyz');
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({
      namespace: {
        state: 'search-attributes-missing',
        wrongTypeSearchAttributes: [{ name: 'CustomerId', registeredAs: 'Text', expected: 'Keyword' }],
        command: fix,
      },
    });
    const order = orderRequest();
    const res = await baton.call('/orders', { method: 'POST', json: order });
    expect(res.status).toBe(503);
    expect((await problem(res)).detail).toContain('CustomerId is registered as Text, but Baton needs Keyword');

    for (const command of fix.split(' && ')) await run(command, server.address);
    await eventually('POST /orders answering 202', async () => {
      const again = await baton.call('/orders', { method: 'POST', json: order });
      await again.body?.cancel();
      return again.status === 202 ? true : undefined;
    });
  });
});
