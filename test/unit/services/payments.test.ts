import { afterEach, describe, expect, it } from 'vitest';
import { Payment } from '../../../contracts';
import type { SampleService } from '../../../dev/services/kit';
import { createPaymentsService, type PaymentsServiceOptions } from '../../../dev/services/payments-service';
import { bankTransfer, call, card, expectProblem } from './support';

const started: SampleService[] = [];
function payments(options: PaymentsServiceOptions = {}): SampleService {
  const service = createPaymentsService({ settleOutcome: 'never', ...options });
  started.push(service);
  return service;
}
afterEach(() => {
  for (const service of started.splice(0)) service.shutdown();
});

const orderCounts = (service: SampleService, orderId: string) => (service.state().orders as Record<string, Record<string, number>>)[orderId];

describe('POST /payments', () => {
  it('clears a card payment at once and answers 201 Payment', async () => {
    const service = payments();
    const res = await call(service, 'POST', '/payments', { key: 'k1', body: card('o-1') });
    expect(res.status).toBe(201);
    const payment = Payment.parse(res.json);
    expect(payment).toMatchObject({ orderId: 'o-1', status: 'cleared', amount: { currency: 'EUR', value: 1999 } });
    expect((await call(service, 'GET', `/payments/${payment.paymentId}`)).json).toEqual(payment);
    expect(orderCounts(service, 'o-1')).toMatchObject({ charges: 1, refunds: 0 });
  });

  it('leaves a bank transfer pending', async () => {
    const service = payments();
    const res = await call(service, 'POST', '/payments', { key: 'k1', body: bankTransfer('o-1') });
    expect(res.status).toBe(201);
    expect(Payment.parse(res.json).status).toBe('pending');
  });

  it('settles a bank transfer after the configured delay', async () => {
    const service = payments({ settleDelayMs: 20, settleOutcome: 'failed' });
    const { paymentId } = Payment.parse((await call(service, 'POST', '/payments', { key: 'k1', body: bankTransfer('o-1') })).json);
    await expect.poll(async () => Payment.parse((await call(service, 'GET', `/payments/${paymentId}`)).json).status, { timeout: 2000 }).toBe('failed');
  });

  it('replays the first result for a repeated key without charging again', async () => {
    const service = payments();
    const first = await call(service, 'POST', '/payments', { key: 'same', body: card('o-1') });
    const second = await call(service, 'POST', '/payments', { key: 'same', body: card('o-1') });
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(orderCounts(service, 'o-1')?.charges).toBe(1);
    const other = await call(service, 'POST', '/payments', { key: 'other', body: card('o-1') });
    expect(Payment.parse(other.json).paymentId).not.toBe(Payment.parse(first.json).paymentId);
    expect(orderCounts(service, 'o-1')?.charges).toBe(2);
  });

  it('charges once when duplicates arrive concurrently', async () => {
    const service = payments();
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(service, 'POST', '/payments', { key: 'race', body: card('o-race') })));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(orderCounts(service, 'o-race')?.charges).toBe(1);
  });

  it.each([
    ['a declined customer', { ...card('o-d'), customerId: 'declined-42' }],
    ['an amount above 1,000,000', card('o-d', 1_000_001)],
  ])('declines %s with 402, and replays the decline', async (_case, body) => {
    const service = payments();
    const res = await call(service, 'POST', '/payments', { key: 'k', body });
    expectProblem(res, 402, 'payment-declined');
    const again = await call(service, 'POST', '/payments', { key: 'k', body });
    expect(again.status).toBe(402);
    expect(again.text).toBe(res.text);
    expect(orderCounts(service, 'o-d')).toMatchObject({ charges: 0, declines: 1 });
  });

  it('accepts exactly 1,000,000', async () => {
    expect((await call(payments(), 'POST', '/payments', { key: 'k', body: card('o-1', 1_000_000) })).status).toBe(201);
  });

  it('requires an Idempotency-Key', async () => {
    const service = payments();
    expectProblem(await call(service, 'POST', '/payments', { body: card('o-1') }), 400, 'missing-idempotency-key');
    expectProblem(await call(service, 'POST', '/payments', { key: 'x'.repeat(256), body: card('o-1') }), 400);
    expect(orderCounts(service, 'o-1')).toBeUndefined();
  });

  it.each([
    ['malformed JSON', { rawBody: '{"orderId":' }, 'malformed-json'],
    ['a missing field', { body: { orderId: 'o-1', customerId: 'c', method: 'card' } }, 'validation'],
    ['an unknown method', { body: { ...card('o-1'), method: 'cash' } }, 'validation'],
    ['a bad currency', { body: { ...card('o-1'), amount: { currency: 'eur', value: 1 } } }, 'validation'],
    ['a fractional amount', { body: { ...card('o-1'), amount: { currency: 'EUR', value: 1.5 } } }, 'validation'],
    ['a bad callbackUrl', { body: { ...bankTransfer('o-1'), callbackUrl: 'not a url' } }, 'validation'],
  ])('answers 400 for %s', async (_case, options, slug) => {
    expectProblem(await call(payments(), 'POST', '/payments', { key: 'k', ...options }), 400, slug);
  });

  it('does not keep a 400 under the key, so a corrected retry runs', async () => {
    const service = payments();
    expectProblem(await call(service, 'POST', '/payments', { key: 'k', rawBody: 'nope' }), 400);
    expect((await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') })).status).toBe(201);
  });
});

describe('GET /payments/{paymentId}', () => {
  it('answers 404 for an unknown payment', async () => {
    expectProblem(await call(payments(), 'GET', '/payments/pay_nope'), 404, 'not-found');
  });
});

describe('POST /payments/{paymentId}/refund', () => {
  it('refunds once; refunding again is a 200 no-op', async () => {
    const service = payments();
    const { paymentId } = Payment.parse((await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') })).json);
    const first = await call(service, 'POST', `/payments/${paymentId}/refund`, { key: 'r1' });
    expect(first.status).toBe(200);
    expect(Payment.parse(first.json).status).toBe('refunded');
    const replay = await call(service, 'POST', `/payments/${paymentId}/refund`, { key: 'r1' });
    expect(replay.text).toBe(first.text);
    const second = await call(service, 'POST', `/payments/${paymentId}/refund`, { key: 'r2' });
    expect(second.status).toBe(200);
    expect(Payment.parse(second.json).status).toBe('refunded');
    expect(orderCounts(service, 'o-1')).toMatchObject({ charges: 1, refunds: 1 });
  });

  it('refunds a pending transfer and stops its settlement', async () => {
    const service = payments({ settleDelayMs: 20, settleOutcome: 'cleared' });
    const { paymentId } = Payment.parse((await call(service, 'POST', '/payments', { key: 'k', body: bankTransfer('o-1') })).json);
    expect(Payment.parse((await call(service, 'POST', `/payments/${paymentId}/refund`, { key: 'r' })).json).status).toBe('refunded');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(Payment.parse((await call(service, 'GET', `/payments/${paymentId}`)).json).status).toBe('refunded');
  });

  it('answers 404 for an unknown payment and requires a key', async () => {
    const service = payments();
    expectProblem(await call(service, 'POST', '/payments/pay_nope/refund', { key: 'r' }), 404, 'not-found');
    expectProblem(await call(service, 'POST', '/payments/pay_nope/refund'), 400, 'missing-idempotency-key');
  });
});

describe('payments admin routes', () => {
  it('settles a pending payment now, and refuses to settle it twice', async () => {
    const service = payments();
    const { paymentId } = Payment.parse((await call(service, 'POST', '/payments', { key: 'k', body: bankTransfer('o-1') })).json);
    const settled = await call(service, 'POST', `/__admin/payments/${paymentId}/settle`, { body: { status: 'cleared' } });
    expect(settled.status).toBe(200);
    expect(Payment.parse(settled.json).status).toBe('cleared');
    expectProblem(await call(service, 'POST', `/__admin/payments/${paymentId}/settle`, { body: { status: 'failed' } }), 409);
    expectProblem(await call(service, 'POST', '/__admin/payments/pay_nope/settle', { body: { status: 'failed' } }), 404);
    expectProblem(await call(service, 'POST', `/__admin/payments/${paymentId}/settle`, { body: { status: 'maybe' } }), 400);
  });

  it('lists payments by order', async () => {
    const service = payments();
    await call(service, 'POST', '/payments', { key: 'a', body: card('o-1') });
    await call(service, 'POST', '/payments', { key: 'b', body: card('o-2') });
    const res = await call(service, 'GET', '/__admin/payments?orderId=o-2');
    expect((res.json as { payments: { orderId: string }[] }).payments.map((p) => p.orderId)).toEqual(['o-2']);
  });

  it('plans settlement per order and by default', async () => {
    const service = payments();
    expect((await call(service, 'PUT', '/__admin/settlement/o-fast', { body: { delayMs: 10, outcome: 'failed' } })).status).toBe(200);
    const fast = Payment.parse((await call(service, 'POST', '/payments', { key: 'a', body: bankTransfer('o-fast') })).json);
    const slow = Payment.parse((await call(service, 'POST', '/payments', { key: 'b', body: bankTransfer('o-slow') })).json);
    await expect.poll(async () => Payment.parse((await call(service, 'GET', `/payments/${fast.paymentId}`)).json).status, { timeout: 2000 }).toBe('failed');
    expect(Payment.parse((await call(service, 'GET', `/payments/${slow.paymentId}`)).json).status).toBe('pending');
    await call(service, 'PUT', '/__admin/settlement', { body: { delayMs: 10, outcome: 'cleared' } });
    const next = Payment.parse((await call(service, 'POST', '/payments', { key: 'c', body: bankTransfer('o-slow') })).json);
    await expect.poll(async () => Payment.parse((await call(service, 'GET', `/payments/${next.paymentId}`)).json).status, { timeout: 2000 }).toBe('cleared');
    expectProblem(await call(service, 'PUT', '/__admin/settlement', { body: { outcome: 'sometimes' } }), 400);
  });

  it('reports counts per order and clears them on reset, idempotency keys included', async () => {
    const service = payments();
    await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    const state = (await call(service, 'GET', '/__admin/state')).json;
    expect(state).toMatchObject({ service: 'payments', requests: { received: 1, completed: 1, aborted: 0 }, orders: { 'o-1': { charges: 1 } } });
    expect((await call(service, 'POST', '/__admin/reset')).status).toBe(204);
    expect((await call(service, 'GET', '/__admin/state')).json).toMatchObject({ requests: { received: 0 }, orders: {} });
    const again = await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(orderCounts(service, 'o-1')?.charges).toBe(1);
  });
});
