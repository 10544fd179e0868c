// A sample service taken off the network refuses connections like a stopped process, keeps its books,
// and serves again on the same port: what the chaos suite's "service down for a minute" needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { effects } from '../../support/orders';

let running: RunningSampleServices;
beforeAll(async () => {
  running = await startSampleServices();
});
afterAll(() => running?.close());

const charge = (orderId: string) =>
  fetch(`${running.urls.payments}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `${orderId}:charge` },
    body: JSON.stringify({ orderId, customerId: 'cus-1', amount: { currency: 'EUR', value: 1999 }, method: 'card' }),
  });

const codeOf = (err: unknown) => ((err as { cause?: { code?: string } }).cause ?? {}).code;

describe('takeDown and bringUp', () => {
  it('refuses connections while down, keeps the books, and answers again on the same port', async () => {
    const first = await charge('ord-outage');
    expect(first.status).toBe(201);

    await running.takeDown('payments');
    const refused = await charge('ord-outage').catch((err: unknown) => err);
    expect(codeOf(refused)).toBe('ECONNREFUSED');
    expect((await fetch(`${running.urls.inventory}/healthz`)).status).toBe(200);

    await running.bringUp('payments');
    const replayed = await charge('ord-outage');
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await effects(running.urls, 'ord-outage')).payments.charges).toBe(1);
  });
});
