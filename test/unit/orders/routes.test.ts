// The order routes' answers that need no Temporal: validation, auth, and the webhook's signature check.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import { callbackQuery } from '../../support/api';
import { orderRequest } from '../../support/orders';
import { nowhereTemporal, unitConfig, UNIT_TOKEN as TOKEN, UNIT_WEBHOOK_SECRET as SECRET } from '../../support/unit-app';

const temporal = nowhereTemporal();
const app = createApp({ config: unitConfig({ temporalDeadlineMs: 500 }), temporal, logger: pino({ level: 'silent' }) });
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

afterAll(() => temporal.connection.close());

const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function errorPaths(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as { errors: { path: string }[] };
  return body.errors.map((e) => e.path).sort();
}

describe('order routes without Temporal', () => {
  it('POST /orders names every bad field, nested ones with dotted paths', async () => {
    const res = await post('/orders', {
      orderId: '',
      items: [{ sku: 'A', quantity: 0 }],
      amount: { currency: 'EUR', value: -1 },
      paymentMethod: 'card',
      shippingAddress: { line1: 'x', city: 'y', postalCode: 'z' },
    });
    expect([...new Set(await errorPaths(res))]).toEqual(['amount.value', 'customerId', 'items.0.quantity', 'orderId', 'shippingAddress.country']);
  });

  describe.each(['/orders', '/workflows/order'])('POST %s refuses the fields Baton owns, by name, before any start', (path) => {
    const order = orderRequest({ orderId: 'ord-own' });
    const owned = {
      // A token holder choosing the retry policy of the payment and refund calls.
      timings: { steps: { startToCloseTimeout: '1 second', retry: { initialInterval: 1, backoffCoefficient: 1, maximumInterval: 1, maximumAttempts: 1 } } },
      // Payment events sent somewhere else.
      callbackUrl: 'https://attacker.example/hook',
      // A clearance wait the deployment did not choose.
      paymentClearanceTimeout: '1 second',
    };
    it.each(Object.entries(owned))('%s', async (field, value) => {
      // Temporal is unreachable here: a start would answer 503, so a 400 is a refusal before it.
      const res = await post(path, { ...order, [field]: value });
      expect(await errorPaths(res)).toEqual([field]);
    });
    it('all three at once', async () => {
      expect(await errorPaths(await post(path, { ...order, ...owned }))).toEqual(['callbackUrl', 'paymentClearanceTimeout', 'timings']);
    });
  });

  it('POST /orders/{orderId}/resolve names a bad action', async () => {
    expect(await errorPaths(await post('/orders/ord-1/resolve', { action: 'later' }))).toEqual(['action']);
  });

  it('order routes need a bearer token', async () => {
    expect((await app.request('/orders/ord-1')).status).toBe(401);
    expect((await post('/orders', {}, {})).status).toBe(401);
  });

  it('the webhook refuses a caller with no credential before reading the body', async () => {
    const res = await post('/webhooks/payments', { garbage: true }, {});
    expect(res.status).toBe(401);
  });

  it('the webhook refuses a token signed for another order', async () => {
    const event = { paymentId: 'pay_1', orderId: 'ord-1', status: 'cleared' };
    expect((await post(`/webhooks/payments${callbackQuery(SECRET, 'ord-2', { orderId: null })}`, event, {})).status).toBe(401);
    expect((await post(`/webhooks/payments${callbackQuery(SECRET, 'ord-2')}`, event, {})).status).toBe(401);
    expect((await post(`/webhooks/payments${callbackQuery(SECRET, 'ord-1', { orderId: 'ord-2' })}`, event, {})).status).toBe(401);
  });

  it('the webhook validates the event once the caller has a credential', async () => {
    const res = await post(`/webhooks/payments${callbackQuery(SECRET, 'ord-1', { orderId: null })}`, { orderId: 'ord-1', status: 'pending' }, {});
    expect(await errorPaths(res)).toEqual(['paymentId', 'status']);
  });

  it('lists the order routes in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/orders', '/orders/{orderId}', '/orders/{orderId}/cancel', '/orders/{orderId}/resolve', '/webhooks/payments']),
    );
  });
});
