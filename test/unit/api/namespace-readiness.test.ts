// The order routes and /readyz while the namespace is not set up for Baton (api/namespace-readiness.ts),
// on a fake Temporal: 503s that name the fix, recovery without a restart, no operator call per request.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import { createNamespaceReadiness } from '../../../api/http/namespace-readiness';
import { NamespaceCheckError, type NamespaceCheck } from '../../../lib/namespace-setup';
import { orderRequest } from '../../support/orders';
import { unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';
import { fakeTemporal } from './fake-temporal';

const COMMAND = 'temporal operator search-attribute create --namespace default --name CustomerId --type Keyword --name OrderStatus --type Keyword';
const MISSING: NamespaceCheck = {
  state: 'search-attributes-missing',
  namespace: 'default',
  missing: ['CustomerId', 'OrderStatus'],
  wrongType: [],
  why: 'registration-off',
  command: COMMAND,
  detail: `Temporal namespace "default" lacks Baton's search attributes CustomerId, OrderStatus (Keyword). Fix: ${COMMAND}`,
};
const READY: NamespaceCheck = { state: 'ready', namespace: 'default', registered: [], detail: 'ready' };
const NO_NAMESPACE: NamespaceCheck = {
  state: 'namespace-not-found',
  namespace: 'default',
  command: 'temporal operator namespace create --namespace default',
  detail: 'Temporal namespace "default" does not exist; create it: temporal operator namespace create --namespace default',
};

/** As @grpc/grpc-js rejects a call. */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });

function setup(answers: Parameters<typeof fakeTemporal>[0] = {}) {
  let clock = 0;
  const world = {
    answer: MISSING as NamespaceCheck | Error,
    checks: 0,
    advance: (ms: number) => void (clock += ms),
  };
  const readiness = createNamespaceReadiness({
    check: () => {
      world.checks++;
      return world.answer instanceof Error ? Promise.reject(world.answer) : Promise.resolve(world.answer);
    },
    retryMs: 1000,
    now: () => clock,
  });
  const fake = fakeTemporal(answers);
  const app = createApp({ config: unitConfig(), temporal: fake.temporal, logger: pino({ level: 'silent' }), namespaceReadiness: readiness });
  const call = (path: string, init: { method?: string; json?: unknown } = {}) =>
    app.request(path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });
  return { world, fake, call, app };
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as { type: string; status: number; detail: string };
}

describe('order routes while the namespace lacks the search attributes', () => {
  it('answer 503 naming the attributes and the command, and call no Temporal API for the order', async () => {
    const { call, fake } = setup();
    const requests: [string, { method?: string; json?: unknown }][] = [
      ['/orders', { method: 'POST', json: orderRequest() }],
      ['/orders?customerId=cus-9', {}],
      ['/orders/ord-1', {}],
      ['/orders/ord-1/cancel', { method: 'POST' }],
      ['/workflows/order', { method: 'POST', json: {} }],
    ];
    for (const [path, init] of requests) {
      const res = await call(path, init);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      const body = await problem(res);
      expect(body.type).toBe('https://baton.dev/problems/search-attributes-missing');
      expect(body.detail).toContain('CustomerId, OrderStatus');
      expect(body.detail).toContain(COMMAND);
    }
    expect(fake.calls.map((c) => c.method)).toEqual([]);
  });

  it('leave the other routes alone', async () => {
    const { call } = setup();
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/workflows/welcomeUser', { method: 'POST', json: { userId: 'u-1' } })).status).toBe(202);
  });

  it('/readyz answers 503 with what is missing and the command', async () => {
    const { call } = setup();
    const res = await call('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      temporal: 'reachable',
      namespace: {
        name: 'default',
        state: 'search-attributes-missing',
        detail: MISSING.detail,
        command: COMMAND,
        missingSearchAttributes: ['CustomerId', 'OrderStatus'],
        wrongTypeSearchAttributes: [],
      },
    });
  });

  it('recover once the attributes are there, without a restart, and then stop asking', async () => {
    const { call, world } = setup();
    expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(503);
    world.answer = READY;
    // A "not ready" answer is kept for a second: a burst of requests costs one check.
    expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(503);
    expect(world.checks).toBe(1);
    world.advance(1000);
    expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(202);
    expect(world.checks).toBe(2);
    world.advance(3_600_000);
    for (let i = 0; i < 20; i++) expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(202);
    expect(world.checks).toBe(2);
    // /readyz looks again after 30 s, so removed attributes show there too.
    expect((await call('/readyz')).status).toBe(200);
    expect(world.checks).toBe(3);
  });

  it('a namespace that does not exist is named, with the command that creates it', async () => {
    const { call, world } = setup();
    world.answer = NO_NAMESPACE;
    const res = await call('/orders', { method: 'POST', json: orderRequest() });
    expect(res.status).toBe(503);
    const body = await problem(res);
    expect(body.type).toBe('https://baton.dev/problems/namespace-not-found');
    expect(body.detail).toContain('temporal operator namespace create --namespace default');
    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      namespace: { state: 'namespace-not-found', command: 'temporal operator namespace create --namespace default' },
    });
  });

  it('a check Temporal did not answer is a temporal-unavailable 503; one that failed otherwise lets the route decide', async () => {
    const { call, world } = setup();
    world.answer = new NamespaceCheckError(grpcError(GrpcStatus.UNAVAILABLE, 'connection refused'));
    const res = await call('/orders', { method: 'POST', json: orderRequest() });
    expect(res.status).toBe(503);
    expect((await problem(res)).type).toBe('https://baton.dev/problems/temporal-unavailable');
    world.answer = new NamespaceCheckError(grpcError(GrpcStatus.INTERNAL, 'something odd'));
    expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(202);
  });
});

describe('a Temporal call that finds the namespace not set up', () => {
  it('a start refused for an unknown search attribute is a 503 naming it, and the next request checks again', async () => {
    let refuse = true;
    const { call, world } = setup({
      startWorkflowExecution: () => {
        if (refuse) throw grpcError(GrpcStatus.INVALID_ARGUMENT, 'Namespace default has no mapping defined for search attribute OrderStatus');
        return { runId: 'run-1', started: true };
      },
    });
    world.answer = READY;
    const res = await call('/orders', { method: 'POST', json: orderRequest() });
    expect(res.status).toBe(503);
    const body = await problem(res);
    expect(body.type).toBe('https://baton.dev/problems/search-attributes-missing');
    expect(body.detail).toContain('temporal operator search-attribute create --namespace default --name OrderStatus --type Keyword');
    expect(world.checks).toBe(1);
    refuse = false;
    expect((await call('/orders', { method: 'POST', json: orderRequest() })).status).toBe(202);
    expect(world.checks).toBe(2);
  });

  it('without a readiness check at all, a missing namespace or attribute is still a 503, never a 404 or 500', async () => {
    const fake = fakeTemporal({
      listWorkflowExecutions: () => {
        throw grpcError(GrpcStatus.NOT_FOUND, 'Namespace default is not found.');
      },
      startWorkflowExecution: () => {
        throw grpcError(GrpcStatus.INVALID_ARGUMENT, 'Namespace default has no mapping defined for search attribute CustomerId');
      },
    });
    const app = createApp({ config: unitConfig(), temporal: fake.temporal, logger: pino({ level: 'silent' }) });
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const search = await app.request('/orders?customerId=cus-9', { headers });
    expect(search.status).toBe(503);
    expect((await problem(search)).type).toBe('https://baton.dev/problems/namespace-not-found');
    const start = await app.request('/orders', { method: 'POST', headers, body: JSON.stringify(orderRequest()) });
    expect(start.status).toBe(503);
    expect((await problem(start)).detail).toContain('--name CustomerId --type Keyword');
  });
});
