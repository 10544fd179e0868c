// The order activities against a scripted downstream: business answers are final and typed, the
// rest is retried, and each failure says whether the call may have taken effect.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { DownstreamTimeoutError, type DownstreamClient, type DownstreamRequest, type DownstreamResponse } from '../../../activities/http-client';
import type { ActivityFailureDetails } from '../../../contracts';

type Answer = DownstreamResponse | Error;

function scripted(answer: Answer) {
  const calls: (DownstreamRequest & { baseUrl: string })[] = [];
  const http: DownstreamClient = {
    call(baseUrl, req) {
      calls.push({ ...req, baseUrl });
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    close: () => Promise.resolve(),
  };
  const urls = { users: 'http://u', orderHistory: 'http://h', loyalty: 'http://l', payments: 'http://p', inventory: 'http://i', shipping: 'http://s' };
  return { activities: createActivities({ http, urls }), calls };
}

const res = (status: number, body?: unknown, headers: Record<string, string> = {}): DownstreamResponse => ({ status, body, headers });
const payment = { paymentId: 'pay_1', orderId: 'o1', status: 'cleared', amount: { currency: 'EUR', value: 1999 } };
const authorize = {
  idempotencyKey: 'order-o1:authorizePayment',
  payment: { orderId: 'o1', customerId: 'c1', amount: { currency: 'EUR', value: 1999 }, method: 'card' as const },
};

async function failureOf(promise: Promise<unknown>): Promise<{ failure: ApplicationFailure; details: ActivityFailureDetails }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  return { failure, details: failure.details?.[0] as ActivityFailureDetails };
}

function withCode(code: string): Error {
  return Object.assign(new Error('socket'), { cause: Object.assign(new Error(code), { code }) });
}

describe('order activities', () => {
  it('authorizes with the derived Idempotency-Key and reports the attempt', async () => {
    const { activities, calls } = scripted(res(201, payment));
    expect(await activities.authorizePayment(authorize)).toEqual({ value: payment, attempt: 1 });
    expect(calls[0]).toMatchObject({
      baseUrl: 'http://p',
      method: 'POST',
      path: '/payments',
      idempotencyKey: 'order-o1:authorizePayment',
      body: authorize.payment,
    });
  });

  it.each([
    ['a declined payment (402)', () => scripted(res(402, { detail: 'declined' })).activities.authorizePayment(authorize), 'PaymentDeclined'],
    [
      'out of stock (409)',
      () => scripted(res(409, { detail: 'OOS-1' })).activities.reserveInventory({ idempotencyKey: 'k', orderId: 'o1', items: [{ sku: 'OOS-1', quantity: 1 }] }),
      'OutOfStock',
    ],
    [
      'an address it cannot serve (422)',
      () =>
        scripted(res(422, { detail: 'KP' })).activities.createShipment({
          idempotencyKey: 'k',
          orderId: 'o1',
          items: [{ sku: 'A', quantity: 1 }],
          address: { line1: 'a', city: 'b', postalCode: 'c', country: 'KP' },
        }),
      'AddressRejected',
    ],
  ])('makes %s a final, typed failure that took no effect', async (_name, call, type) => {
    const { failure, details } = await failureOf(call());
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(details).toMatchObject({ attempt: 1, outcome: 'none' });
  });

  // Only the contract's business refusals prove nothing happened. A proxy's 401/403/404, a 400 the
  // service's contract did not promise for this call: final, but whether the request was applied is unknown.
  it.each([
    ['a 401 from a proxy', 401, 'BadRequest'],
    ['a 403 from a proxy', 403, 'BadRequest'],
    ['a 404 for a payment request', 404, 'NotFound'],
    ['a 400', 400, 'BadRequest'],
  ])('makes %s a final failure whose outcome is unknown', async (_name, status, type) => {
    const { failure, details } = await failureOf(scripted(res(status)).activities.authorizePayment(authorize));
    expect([failure.type, failure.nonRetryable, details.outcome]).toEqual([type, true, 'unknown']);
  });

  it('makes a refund of a payment the service does not know (404) final, for a person to look at', async () => {
    const { failure, details } = await failureOf(scripted(res(404)).activities.refundPayment({ idempotencyKey: 'k', paymentId: 'pay_1' }));
    expect([failure.type, failure.nonRetryable, details.outcome]).toEqual(['NotFound', true, 'unknown']);
  });

  it.each([
    ['a 409 for a concurrent duplicate (IETF Idempotency-Key)', 409, 'Conflict'],
    ['a 408 request timeout', 408, 'Timeout'],
  ])('retries %s, whose outcome is unknown', async (_name, status, type) => {
    const { failure, details } = await failureOf(scripted(res(status, undefined, { 'retry-after': '1' })).activities.authorizePayment(authorize));
    expect([failure.type, failure.nonRetryable, details.outcome, failure.nextRetryDelay]).toEqual([type, false, 'unknown', 1000]);
  });

  it('caps a downstream Retry-After at a minute', async () => {
    const { failure } = await failureOf(
      scripted(res(429, undefined, { 'retry-after': String(3 * 86_400) })).activities.refundPayment({ idempotencyKey: 'k', paymentId: 'pay_1' }),
    );
    expect(failure.nextRetryDelay).toBe(60_000);
    const unavailable = await failureOf(
      scripted(res(503, undefined, { 'retry-after': 'Fri, 31 Dec 2100 00:00:00 GMT' })).activities.refundPayment({ idempotencyKey: 'k', paymentId: 'pay_1' }),
    );
    expect(unavailable.failure.nextRetryDelay).toBe(60_000);
  });

  it('retries a 5xx answer, which took no effect', async () => {
    const { failure, details } = await failureOf(scripted(res(503)).activities.authorizePayment(authorize));
    expect([failure.type, failure.nonRetryable, details.outcome]).toEqual(['Unavailable', false, 'none']);
  });

  it('honours Retry-After on 429', async () => {
    const { failure } = await failureOf(scripted(res(429, undefined, { 'retry-after': '2' })).activities.authorizePayment(authorize));
    expect([failure.type, failure.nextRetryDelay]).toEqual(['RateLimited', 2000]);
  });

  it('retries a timeout, whose outcome is unknown', async () => {
    const { failure, details } = await failureOf(scripted(new DownstreamTimeoutError(300)).activities.authorizePayment(authorize));
    expect([failure.type, failure.nonRetryable, details.outcome]).toEqual(['Timeout', false, 'unknown']);
    expect(failure.message).toBe('payments: no answer within 300 ms');
  });

  it('tells a refused connection (never sent) from a dropped one (maybe applied)', async () => {
    const refused = await failureOf(scripted(withCode('ECONNREFUSED')).activities.authorizePayment(authorize));
    expect([refused.failure.type, refused.details.outcome]).toEqual(['Unreachable', 'none']);
    const reset = await failureOf(scripted(withCode('ECONNRESET')).activities.authorizePayment(authorize));
    expect([reset.failure.type, reset.details.outcome]).toEqual(['ConnectionLost', 'unknown']);
  });

  it('retries a 2xx whose body breaks the contract, as an unknown outcome', async () => {
    const { failure, details } = await failureOf(
      scripted(res(201, { nope: true })).activities.reserveInventory({ idempotencyKey: 'k', orderId: 'o1', items: [{ sku: 'A', quantity: 1 }] }),
    );
    expect([failure.type, failure.nonRetryable, details.outcome]).toEqual(['BadResponse', false, 'unknown']);
  });

  it('treats 404 on a release or a cancellation as already done', async () => {
    expect((await scripted(res(404)).activities.releaseReservation({ idempotencyKey: 'k', reservationId: 'res_1' })).value).toBe('already_released');
    expect((await scripted(res(404)).activities.cancelShipment({ idempotencyKey: 'k', shipmentId: 'shp_1' })).value).toBe('already_cancelled');
    expect((await scripted(res(204)).activities.releaseReservation({ idempotencyKey: 'k', reservationId: 'res_1' })).value).toBe('released');
  });

  it('escapes downstream IDs in paths', async () => {
    const { activities, calls } = scripted(res(204));
    await activities.cancelShipment({ idempotencyKey: 'k', shipmentId: 'a/../b' });
    expect(calls[0]?.path).toBe('/shipments/a%2F..%2Fb');
  });
});
