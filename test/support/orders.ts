// Helpers shared by the order tests and the history recorder: inputs, short timings, and the
// sample services' own account of what happened to an order.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { orderQueries, type CallTimings, type OrderInput, type OrderState, type OrderTimings } from '../../contracts';
import type { OrderRequest } from '../../contracts';
import type { FaultConfig } from '../../dev/services';

const fast = (maximumAttempts: number): CallTimings => ({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '100 ms', backoffCoefficient: 2, maximumInterval: '400 ms', maximumAttempts },
});

/** Order timings with one policy for the forward steps and one for every compensation. */
export const orderTimings = (steps: CallTimings, compensations: CallTimings = steps): OrderTimings => ({
  steps,
  compensations: { refundPayment: compensations, releaseReservation: compensations, cancelShipment: compensations },
});

/** Quick retries so that exhausting them takes a second, not minutes. */
export const FAST_TIMINGS: OrderTimings = orderTimings(fast(4), fast(3));

/** A short start-to-close timeout, so that an attempt lost with a killed worker comes back soon. */
export const killTolerantCall = (maximumAttempts: number): CallTimings => ({
  startToCloseTimeout: '4 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '1 second', maximumAttempts },
});

export const uniqueOrderId = (prefix = 'ord') => `${prefix}-${randomUUID().slice(0, 8)}`;

export function orderRequest(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderId: uniqueOrderId(),
    customerId: 'cus-9',
    items: [{ sku: 'SKU-1', quantity: 2 }],
    amount: { currency: 'EUR', value: 1999 },
    paymentMethod: 'card',
    shippingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    ...overrides,
  };
}

export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  return { ...orderRequest(), paymentClearanceTimeout: '3 days', timings: FAST_TIMINGS, ...overrides };
}

export interface EffectCounts {
  payments: { charges: number; refunds: number; declines: number };
  inventory: { reservations: number; releases: number; active: number };
  shipping: { shipments: number; cancellations: number };
}

type ServiceUrls = Record<'payments' | 'inventory' | 'shipping', string>;

async function ordersState(url: string): Promise<Record<string, Record<string, number>>> {
  const res = await fetch(`${url}/__admin/state`);
  const body = (await res.json()) as { orders?: Record<string, Record<string, number>> };
  return body.orders ?? {};
}

/** What the sample services themselves recorded for one order. */
export async function effects(urls: ServiceUrls, orderId: string): Promise<EffectCounts> {
  const [payments, inventory, shipping] = await Promise.all([ordersState(urls.payments), ordersState(urls.inventory), ordersState(urls.shipping)]);
  const p = payments[orderId] ?? {};
  const i = inventory[orderId] ?? {};
  const s = shipping[orderId] ?? {};
  return {
    payments: { charges: p.charges ?? 0, refunds: p.refunds ?? 0, declines: p.declines ?? 0 },
    inventory: { reservations: i.reservations ?? 0, releases: i.releases ?? 0, active: i.active ?? 0 },
    shipping: { shipments: s.shipments ?? 0, cancellations: s.cancellations ?? 0 },
  };
}

export async function setFaults(serviceUrl: string, faults: FaultConfig): Promise<void> {
  const res = await fetch(`${serviceUrl}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`cannot set faults: ${res.status} ${await res.text()}`);
}

export async function clearFaults(urls: ServiceUrls): Promise<void> {
  await Promise.all(Object.values(urls).map((url) => setFaults(url, {})));
}

export async function settlePayment(paymentsUrl: string, paymentId: string, status: 'cleared' | 'failed'): Promise<void> {
  const res = await fetch(`${paymentsUrl}/__admin/payments/${paymentId}/settle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  if (!res.ok) throw new Error(`cannot settle ${paymentId}: ${res.status} ${await res.text()}`);
}

/** Polls the state query (real time) until `done` holds. */
export async function queryUntil(handle: WorkflowHandle, done: (state: OrderState) => boolean, timeoutMs = 15_000): Promise<OrderState> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderState | undefined;
  for (;;) {
    try {
      last = await handle.query(orderQueries.state);
      if (done(last)) return last;
    } catch {
      // not queryable before its first workflow task
    }
    if (Date.now() > deadline) throw new Error(`order state never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const names = <T extends { name: string }>(records: T[]) => records.map((r) => r.name);
