// GET /customers/{userId}/overview, a hybrid composition: the profile from the real sample services and,
// beside it, the customer's orders in flight read from the shared Temporal dev server, placed through the
// API and run by a real worker. And the same API with nothing at its Temporal address: only that part fails.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { TestIdentityProvider } from '../../support/identity-provider';
import { FAST_TIMINGS, orderRequest } from '../../support/orders';
import { type ChildHandle, startWorkerChild, WORKER_READY } from '../../support/processes';
import { elapsed, requestCounts, resetAll } from './sample-services';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('overview');

interface InFlight {
  orderId: string;
  status: string;
  currentStep: string | null;
  startTime?: string;
}
interface Overview {
  user: { id: string; name: string };
  recentOrders: unknown[] | null;
  loyalty: { userId: string } | null;
  ordersInFlight: InFlight[] | null;
  partial: boolean;
  errors: { source: string; reason: string }[];
}

let services: RunningSampleServices;
let idp: TestIdentityProvider;
let worker: ChildHandle;
let api: TestApi;

beforeAll(async () => {
  // A bank transfer waits for clearance until a test settles it: here, never.
  services = await startSampleServices({ settleOutcome: 'never' });
  idp = await TestIdentityProvider.start();
  worker = startWorkerChild({ address, namespace, taskQueue }, services.urls, { BATON_HTTP_TIMEOUT_MS: '1000' });
  api = await startTestApi({
    address,
    namespace,
    taskQueue,
    config: {
      orderTimings: FAST_TIMINGS,
      paymentClearanceTimeout: '10 minutes',
      jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, clockToleranceSeconds: 30, jwksCooldownMs: 0, tenantClaim: 'tenant' },
    },
    composition: { baseUrls: services.urls, breaker: { threshold: 10_000 } },
  });
  await worker.waitFor(WORKER_READY);
});
afterAll(async () => {
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
  await idp?.stop();
});

async function overview(target: TestApi, userId = 'u-1'): Promise<Overview> {
  const res = await target.call(`/customers/${userId}/overview`);
  expect(res.status).toBe(200);
  return (await res.json()) as Overview;
}

/** Visibility is eventually consistent: asks again until `done` holds. */
async function overviewUntil(done: (body: Overview) => boolean, timeoutMs = 20_000, userId = 'u-1'): Promise<Overview> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await overview(api, userId);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`the overview never matched; last: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A port nothing listens on: bound by the OS a moment ago, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('GET /customers/{userId}/overview on real Temporal', () => {
  it('the profile, and an order awaiting clearance in flight with its status and the step it is in; gone once it ends', async () => {
    const order = orderRequest({ customerId: 'u-1', paymentMethod: 'bank_transfer' });
    expect((await api.call('/orders', { method: 'POST', json: order })).status).toBe(202);
    const mine = (body: Overview) => body.ordersInFlight?.find((o) => o.orderId === order.orderId);

    const body = await overviewUntil((b) => !b.partial && mine(b)?.status === 'awaiting_payment' && mine(b)?.currentStep === 'awaitPaymentClearance');
    expect(body).toMatchObject({ user: { id: 'u-1' }, loyalty: { userId: 'u-1' }, partial: false, errors: [] });
    expect(Array.isArray(body.recentOrders)).toBe(true);
    expect(mine(body)).toEqual({
      orderId: order.orderId,
      status: 'awaiting_payment',
      currentStep: 'awaitPaymentClearance',
      startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
    });
    expect(Date.now() - Date.parse(mine(body)?.startTime ?? '')).toBeLessThan(60_000);

    // Cancelled, the order compensates and its run closes: it is no longer in flight, and nothing else changed.
    expect((await api.call(`/orders/${order.orderId}/cancel`, { method: 'POST' })).status).toBe(202);
    const after = await overviewUntil((b) => !b.partial && b.ordersInFlight !== null && mine(b) === undefined);
    expect(after).toMatchObject({ user: { id: 'u-1' }, partial: false, errors: [] });
  });

  it('a customer with nothing in flight: an empty list, not null and not partial', async () => {
    const body = await overviewUntil((b) => !b.partial, 10_000, 'u-2');
    expect(body).toMatchObject({ user: { id: 'u-2' }, ordersInFlight: [], partial: false, errors: [] });
  });

  it('an invalid userId: 400 naming the field, and nobody is asked', async () => {
    await resetAll(services);
    const res = await api.call('/customers/%E2%9C%93/overview');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'param.userId' }] });
    expect(await requestCounts(services, 'users')).toMatchObject({ received: 0 });
  });

  it('an unknown user: 404, as for the profile', async () => {
    const res = await api.call('/customers/u-5000/overview');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, detail: 'No user u-5000.' });
  });

  it('it reveals orders: a JWT without orders:read gets 403, with it 200', async () => {
    const get = async (scope: string) => fetch(`${api.url}/customers/u-1/overview`, { headers: { authorization: `Bearer ${await idp.token({ scope })}` } });
    const forbidden = await get('profiles:read');
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { detail: string }).detail).toContain('"orders:read"');
    expect((await get('orders:read')).status).toBe(200);
  });
});

describe('GET /customers/{userId}/overview with Temporal unreachable', () => {
  it('200 with the profile filled: only ordersInFlight is null, reason unavailable, within the deadline', async () => {
    const down = await startTestApi({
      address: `127.0.0.1:${await closedPort()}`,
      lazy: true,
      namespace,
      taskQueue,
      config: { temporalDeadlineMs: 1000 },
      composition: { baseUrls: services.urls },
    });
    try {
      const { value: body, ms } = await elapsed(() => overview(down));
      expect(body).toMatchObject({ user: { id: 'u-1' }, loyalty: { userId: 'u-1' }, ordersInFlight: null, partial: true });
      expect(Array.isArray(body.recentOrders)).toBe(true);
      expect(body.errors).toEqual([{ source: 'ordersInFlight', reason: 'unavailable' }]);
      // The source's own budget (600 ms), inside the composition's 1 s deadline.
      expect(ms).toBeLessThan(1000);
      // Temporal has a breaker like every service: after five failures its sources fail at once.
      for (let i = 0; i < 4; i++) await overview(down);
      const open = await elapsed(() => overview(down));
      expect(open.value.errors).toEqual([{ source: 'ordersInFlight', reason: 'circuit_open' }]);
      expect(open.ms).toBeLessThan(400);
      // The API started without Temporal and serves the rest; the order routes say Temporal is away.
      expect((await down.call('/profiles/u-1')).status).toBe(200);
      expect((await down.call('/orders/ord-1')).status).toBe(503);
    } finally {
      await down.stopAll();
    }
  });
});
