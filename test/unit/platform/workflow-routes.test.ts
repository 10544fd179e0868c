// The generic workflow routes through createApp, with a Temporal connection that goes nowhere:
// what the registry derives (routes, validation, OpenAPI) and the answers that need no Temporal.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import { preferredWait } from '../../../api/workflows/workflow-runs';
import { nowhereTemporal, unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';

const temporal = nowhereTemporal();
const app = createApp({ config: unitConfig(), temporal, logger: pino({ level: 'silent' }) });
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

afterAll(() => temporal.connection.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) });

type Problem = { status: number; detail?: string; errors?: { path: string; message: string }[] };

describe('workflow routes derived from the registry', () => {
  it('documents every workflow type by name in /openapi.json', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/workflows/order',
        '/workflows/order/{id}',
        '/workflows/order/{id}/signals/paymentEvent',
        '/workflows/order/{id}/signals/resolve',
        '/workflows/order/{id}/queries/state',
        '/workflows/order/{id}/updates/paymentAuthorized',
        '/workflows/order/{id}/cancel',
        '/workflows/welcomeUser',
        '/workflows/welcomeUser/{id}',
        '/workflows/welcomeUser/{id}/cancel',
      ]),
    );
    expect(doc.paths['/workflows/order/{id}/signals/paymentEvent']?.post?.requestBody?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/OrderPaymentEventSignal',
    );
    expect(Object.keys(doc.components.schemas.OrderPaymentEventSignal?.properties ?? {})).toEqual(['paymentId', 'orderId', 'status']);
    expect(doc.components.schemas).toHaveProperty('WelcomeUserWorkflowInput');
    expect(doc.components.schemas).toHaveProperty('OrderWorkflowResult');
    // The contract's own routes are still there.
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{orderId}', '/webhooks/payments']));
  });

  it('answers 404 for an unknown workflow type, and for a signal a type does not have', async () => {
    const unknown = await post('/workflows/nope', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Problem).detail).toMatch(/Unknown workflow type nope/);
    expect((await app.request('/workflows/nope/abc', { headers: auth })).status).toBe(404);
    const signal = await post('/workflows/order/order-1/signals/nope', {});
    expect(signal.status).toBe(404);
    expect(((await signal.json()) as Problem).detail).toMatch(/order has no such signal/);
    // A malformed escape in the type is a 404 naming it, never a 500.
    const malformed = await app.request('/workflows/%E0%A4%A/x', { headers: auth });
    expect(malformed.status).toBe(404);
    expect(((await malformed.json()) as Problem).detail).toMatch(/Unknown workflow type %E0%A4%A/);
    // A known type's own path with a method it does not take.
    expect((await app.request('/workflows/order', { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('names the bad field of a start input, a signal payload and an update argument (400)', async () => {
    const start = await post('/workflows/welcomeUser', { userId: '../admin' });
    expect(start.status).toBe(400);
    expect(((await start.json()) as Problem).errors?.map((e) => e.path)).toEqual(['userId']);

    const signal = await post('/workflows/order/order-1/signals/paymentEvent', { paymentId: 'pay_1', orderId: '1', status: 'settled' });
    expect(signal.status).toBe(400);
    expect(((await signal.json()) as Problem).errors?.map((e) => e.path)).toEqual(['status']);

    const resolve = await post('/workflows/order/order-1/signals/resolve', { action: 'later' });
    expect(((await resolve.json()) as Problem).errors?.map((e) => e.path)).toEqual(['action']);

    const update = await post('/workflows/order/order-1/updates/paymentAuthorized', 'nope');
    expect(update.status).toBe(400);
  });

  it("refuses an explicit workflow ID that breaks the type's ID rule", async () => {
    const res = await post('/workflows/welcomeUser?workflowId=order-1', { userId: 'u-1' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).errors?.[0]).toMatchObject({ path: 'query.workflowId', message: 'must start with welcome-' });
  });

  it('answers 503 with Retry-After, never 500, when Temporal is unreachable', async () => {
    const cases = [
      () => post('/workflows/welcomeUser', { userId: 'u-1' }),
      () => post('/workflows/welcomeUser', { userId: 'u-1' }, { prefer: 'wait=1' }),
      () => app.request('/workflows/order/order-1', { headers: auth }),
      () => app.request('/workflows/order?status=running', { headers: auth }),
      () => post('/workflows/order/order-1/signals/resolve', { action: 'retry' }),
      // update-with-start, for the contract's own route
      () =>
        post(
          '/orders',
          {
            orderId: 'ord-1',
            customerId: 'cus-1',
            items: [{ sku: 'SKU-1', quantity: 1 }],
            amount: { currency: 'EUR', value: 100 },
            paymentMethod: 'card',
            shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'DE' },
          },
          { prefer: 'wait=2' },
        ),
    ];
    for (const call of cases) {
      const res = await call();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    }
  }, 30_000);

  it('reads Prefer: wait, capped at 30 seconds', () => {
    expect(preferredWait('wait=5')).toBe(5);
    expect(preferredWait('respond-async, wait=10')).toBe(10);
    expect(preferredWait('wait=600')).toBe(30);
    expect(preferredWait('return=minimal')).toBeUndefined();
    expect(preferredWait(undefined)).toBeUndefined();
  });
});
