// The sample services on real sockets: callbacks over HTTP, aborts seen by the server, prompt close.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../../config/env';
import { Payment, PaymentEvent } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services/index';

interface Received {
  url: string;
  contentType: string | undefined;
  body: unknown;
}

/** A stand-in for Baton's callback endpoint that answers from a script of statuses (then 204). */
async function startCallbackServer(): Promise<{ url: string; received: Received[]; answers: number[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers: number[] = [];
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as unknown;
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'], body });
      res.statusCode = answers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function post(url: string, body: unknown, key: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
}

const bankTransfer = (orderId: string, callbackUrl: string) => ({
  orderId,
  customerId: 'c-1',
  amount: { currency: 'EUR', value: 4200 },
  method: 'bank_transfer',
  callbackUrl,
});

describe('sample services over HTTP', () => {
  let running: RunningSampleServices;
  let callbacks: Awaited<ReturnType<typeof startCallbackServer>>;

  beforeAll(async () => {
    callbacks = await startCallbackServer();
    running = await startSampleServices({ settleDelayMs: 50, callbackRetry: { baseDelayMs: 20, attempts: 4 } });
  });
  afterAll(async () => {
    await running?.close();
    await callbacks?.close();
  });
  beforeEach(() => {
    running.reset();
    callbacks.received.length = 0;
    callbacks.answers.length = 0;
  });

  const state = async (name: 'payments' | 'users') =>
    (await (await fetch(`${running.urls[name]}/__admin/state`)).json()) as { requests: { received: number; completed: number; aborted: number } };

  it('listens on six distinct free ports and answers /healthz', async () => {
    expect(new Set(Object.values(running.urls)).size).toBe(6);
    for (const name of SERVICE_NAMES) {
      expect(running.urls[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${running.urls[name]}/healthz`)).status).toBe(200);
    }
  });

  it('settles a bank transfer after the delay and POSTs the PaymentEvent to the callback URL exactly as given', async () => {
    const callbackUrl = `${callbacks.url}/callbacks/payments?token=a%2Bb&x=1`;
    const res = await post(`${running.urls.payments}/payments`, bankTransfer('o-cb', callbackUrl), 'k-cb');
    expect(res.status).toBe(201);
    const payment = Payment.parse(await res.json());
    expect(payment.status).toBe('pending');
    await expect.poll(() => callbacks.received.length, { timeout: 5000 }).toBe(1);
    const [call] = callbacks.received;
    expect(call?.url).toBe('/callbacks/payments?token=a%2Bb&x=1');
    expect(call?.contentType).toBe('application/json');
    expect(PaymentEvent.parse(call?.body)).toEqual({ paymentId: payment.paymentId, orderId: 'o-cb', status: 'cleared' });
    const now = Payment.parse(await (await fetch(`${running.urls.payments}/payments/${payment.paymentId}`)).json());
    expect(now.status).toBe('cleared');
  });

  it('retries a callback that fails with 5xx, and stops on 4xx', async () => {
    callbacks.answers.push(500, 503);
    await post(`${running.urls.payments}/payments`, bankTransfer('o-retry', `${callbacks.url}/cb`), 'k1');
    await expect.poll(() => callbacks.received.length, { timeout: 5000 }).toBe(3);
    await expect.poll(() => running.services.payments.state().callbacks, { timeout: 2000 }).toMatchObject({ delivered: 1 });

    running.reset();
    callbacks.received.length = 0;
    callbacks.answers.push(400);
    await post(`${running.urls.payments}/payments`, bankTransfer('o-4xx', `${callbacks.url}/cb`), 'k2');
    await expect.poll(() => running.services.payments.state().callbacks, { timeout: 5000 }).toMatchObject({ failed: 1 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(callbacks.received).toHaveLength(1);
  });

  it('settles through the admin route and fires the callback', async () => {
    const settlement = await fetch(`${running.urls.payments}/__admin/settlement/o-admin`, {
      method: 'PUT',
      body: JSON.stringify({ outcome: 'never' }),
    });
    expect(settlement.status).toBe(200);
    const payment = Payment.parse(await (await post(`${running.urls.payments}/payments`, bankTransfer('o-admin', `${callbacks.url}/cb`), 'k')).json());
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(callbacks.received).toHaveLength(0);
    const settled = await post(`${running.urls.payments}/__admin/payments/${payment.paymentId}/settle`, { status: 'failed' }, 'unused');
    expect(settled.status).toBe(200);
    await expect.poll(() => callbacks.received.length, { timeout: 5000 }).toBe(1);
    expect(callbacks.received[0]?.body).toEqual({ paymentId: payment.paymentId, orderId: 'o-admin', status: 'failed' });
  });

  it('counts a hung call whose client gives up as aborted', async () => {
    await fetch(`${running.urls.users}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ hangNext: 1 }) });
    await expect(fetch(`${running.urls.users}/users/u-1`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await expect.poll(async () => (await state('users')).requests, { timeout: 5000 }).toEqual({ received: 1, completed: 0, aborted: 1 });
    expect((await fetch(`${running.urls.users}/users/u-1`)).status).toBe(200);
    expect((await state('users')).requests).toEqual({ received: 2, completed: 1, aborted: 1 });
  });

  it('counts an aborted state-changing call too', async () => {
    await fetch(`${running.urls.payments}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ hang: true }) });
    const controller = new AbortController();
    const pending = fetch(`${running.urls.payments}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
      body: JSON.stringify(bankTransfer('o-hang', `${callbacks.url}/cb`)),
      signal: controller.signal,
    });
    await expect.poll(async () => (await state('payments')).requests.received, { timeout: 5000 }).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(async () => (await state('payments')).requests.aborted, { timeout: 5000 }).toBe(1);
    expect(running.services.payments.state().orders).toEqual({});
  });

  it('dedupes concurrent duplicates over HTTP', async () => {
    await fetch(`${running.urls.inventory}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 30 }) });
    const body = { orderId: 'o-dup', items: [{ sku: 'SKU-1', quantity: 1 }] };
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(`${running.urls.inventory}/reservations`, body, 'dup')));
    const texts = await Promise.all(answers.map((a) => a.text()));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(texts).size).toBe(1);
    expect(running.services.inventory.state().orders).toMatchObject({ 'o-dup': { reservations: 1 } });
  });
});

describe('startSampleServices close()', () => {
  it('closes promptly with hung calls and keep-alive connections open, and refuses new ones', async () => {
    const running = await startSampleServices({ faults: { users: { hang: true } } });
    expect((await fetch(`${running.urls.shipping}/healthz`)).status).toBe(200);
    const hung = fetch(`${running.urls.users}/users/u-1`).then(
      (res) => res.status,
      () => 'failed',
    );
    await expect.poll(() => running.services.users.state().requests.received, { timeout: 5000 }).toBe(1);
    const started = performance.now();
    await running.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await hung).toBe(503);
    await expect(fetch(`${running.urls.users}/healthz`)).rejects.toThrow();
    await running.close();
  });

  it('fails with a clear error when a port is taken, leaving nothing running', async () => {
    const first = await startSampleServices();
    const port = Number(new URL(first.urls.users).port);
    await expect(startSampleServices({ ports: { users: port } })).rejects.toThrow(/users cannot listen/);
    await first.close();
  });
});
