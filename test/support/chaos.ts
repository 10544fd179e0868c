// What the scaling test and the chaos suite share: orders whose right end is known in advance, pushing
// them over HTTP through trouble, waiting for every one to end, and auditing each against the sample
// services' own books (each effect exactly once, every compensation done).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServiceName } from '../../config/env';
import type { FailureReason, OrderState } from '../../contracts';
import type { OrderRequest } from '../../contracts';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, type ApiCall } from './api';
export { apiCaller, type ApiCall } from './api';
import { orderRequest, uniqueOrderId } from './orders';
import { type ChildHandle, repoRoot, serviceUrlEnv, startChild, startWorkerChild, WORKER_READY } from './processes';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` over `items`, at most `limit` at once. */
export async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

// --- orders with a known right end -------------------------------------------------------------

/**
 * Good orders, and the three refusals of the sample services (declined card, no stock, unserved country);
 * bank transfers that clear through the payments service's callback or are cancelled while they wait; and
 * out-of-stock orders whose refund could not be made and that an operator resolved by abandoning it.
 */
export type OrderKind =
  'completes' | 'out_of_stock' | 'declined' | 'address_rejected' | 'bank_transfer_cleared' | 'cancelled_in_clearance' | 'refund_abandoned';

export interface LedgerEffects {
  charges: number;
  refunds: number;
  reservations: number;
  releases: number;
  /** Reservations still held. */
  active: number;
  shipments: number;
  cancellations: number;
}

interface Expected {
  status: OrderState['status'];
  reason?: FailureReason;
  effects: LedgerEffects;
}

const none: LedgerEffects = { charges: 0, refunds: 0, reservations: 0, releases: 0, active: 0, shipments: 0, cancellations: 0 };
export const EXPECTED: Record<OrderKind, Expected> = {
  completes: { status: 'completed', effects: { ...none, charges: 1, reservations: 1, active: 1, shipments: 1 } },
  // Charged, then refused by inventory: the charge is refunded.
  out_of_stock: { status: 'failed', reason: 'out_of_stock', effects: { ...none, charges: 1, refunds: 1 } },
  declined: { status: 'failed', reason: 'payment_declined', effects: none },
  // Charged and reserved, then refused by shipping: the reservation is released and the charge refunded.
  address_rejected: { status: 'failed', reason: 'address_rejected', effects: { ...none, charges: 1, refunds: 1, reservations: 1, releases: 1 } },
  bank_transfer_cleared: { status: 'completed', effects: { ...none, charges: 1, reservations: 1, active: 1, shipments: 1 } },
  // Cancelled while the transfer was pending: the charge is refunded.
  cancelled_in_clearance: { status: 'cancelled', reason: 'cancelled', effects: { ...none, charges: 1, refunds: 1 } },
  // The operator gave the refund up (resolve: abandon): the charge stays, on purpose.
  refund_abandoned: { status: 'failed', reason: 'out_of_stock', effects: { ...none, charges: 1 } },
};

export interface PlannedOrder {
  kind: OrderKind;
  request: OrderRequest;
}

export function plannedOrder(prefix: string, i: number, kind: OrderKind): PlannedOrder {
  const request = orderRequest({
    orderId: uniqueOrderId(`${prefix}-${i}`),
    customerId: kind === 'declined' ? `declined-${i}` : `cus-${i}`,
    items: [{ sku: kind === 'out_of_stock' || kind === 'refund_abandoned' ? 'OOS-CHAOS' : 'SKU-CHAOS', quantity: 1 + (i % 3) }],
  });
  if (kind === 'address_rejected') request.shippingAddress = { ...request.shippingAddress, country: 'KP' };
  if (kind === 'bank_transfer_cleared' || kind === 'cancelled_in_clearance') request.paymentMethod = 'bank_transfer';
  return { kind, request };
}

/** The chaos mix: seven in ten complete, one in ten each is declined, out of stock, or sent where shipping does not go. */
export const chaosKind = (i: number): OrderKind =>
  i % 10 === 3 ? 'out_of_stock' : i % 10 === 5 ? 'address_rejected' : i % 10 === 7 ? 'declined' : 'completes';

export const planOrders = (prefix: string, count: number, kindOf: (i: number) => OrderKind = chaosKind): PlannedOrder[] =>
  Array.from({ length: count }, (_, i) => plannedOrder(prefix, i, kindOf(i)));

// --- pushing and reading over HTTP -------------------------------------------------------------

export interface PlaceOptions {
  /** Attempts before giving up (default 5). */
  attempts?: number;
  /** Wait before attempt n is `backoffMs * n`, capped at 2 s (default 250). */
  backoffMs?: number;
}

/**
 * POST /orders as a careful client does: no answer or a 5xx (Temporal slow or away, the API gone) is
 * retried with the same orderId, which makes the start idempotent. Resolves with the status: 202 when
 * this call started the order, 200 when it existed already.
 */
export async function place(call: ApiCall, request: OrderRequest, options: PlaceOptions = {}): Promise<number> {
  const { attempts = 5, backoffMs = 250 } = options;
  for (let attempt = 1; ; attempt++) {
    const res = await call('/orders', { method: 'POST', json: request, signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 202 || res?.status === 200) return res.status;
    if (attempt >= attempts || (res && res.status < 500)) throw new Error(`POST /orders ${request.orderId}: ${res?.status ?? 'no answer'}`);
    await sleep(Math.min(backoffMs * attempt, 2000));
  }
}

/** Reads the order every 100 ms until `done` holds (30 s at most). */
export async function untilOrder(call: ApiCall, orderId: string, done: (s: OrderState) => boolean, what = 'there'): Promise<OrderState> {
  for (let i = 0; i < 300; i++) {
    const state = await readOrder(call, orderId);
    if (state && done(state)) return state;
    await sleep(100);
  }
  throw new Error(`order ${orderId} never got ${what}`);
}

/** GET /orders/{id}; undefined while there is no answer (a query waiting for a dead worker's sticky queue, the API away). */
export async function readOrder(call: ApiCall, orderId: string): Promise<OrderState | undefined> {
  const res = await call(`/orders/${orderId}`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  if (res?.status !== 200) {
    await res?.body?.cancel();
    return undefined;
  }
  return (await res.json()) as OrderState;
}

/**
 * GET /orders/{id} until the API gives a definite answer: 200 (the order exists) or 404 (it does not).
 * A 503 or no answer (a process just started, Temporal slow to answer a query under load) is asked again.
 */
export async function existence(call: ApiCall, orderId: string): Promise<number | undefined> {
  let status: number | undefined;
  for (let attempt = 1; attempt <= 20; attempt++) {
    const res = await call(`/orders/${orderId}`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    await res?.body?.cancel();
    status = res?.status;
    if (status === 200 || status === 404) break;
    await sleep(500);
  }
  return status;
}

const FINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Polls every order until each is final or time runs out; an order missing from the answer never ended. */
export async function waitForFinals(
  call: ApiCall,
  orders: readonly PlannedOrder[],
  options: { timeoutMs: number; concurrency?: number },
): Promise<Map<string, OrderState>> {
  const finals = new Map<string, OrderState>();
  const deadline = Date.now() + options.timeoutMs;
  while (finals.size < orders.length && Date.now() < deadline) {
    const open = orders.filter((o) => !finals.has(o.request.orderId));
    await pool(open, options.concurrency ?? 20, async ({ request }) => {
      const state = await readOrder(call, request.orderId);
      if (state && FINAL.has(state.status)) finals.set(request.orderId, state);
    });
    if (finals.size < orders.length) await sleep(1000);
  }
  return finals;
}

// --- the services' books -----------------------------------------------------------------------

type Book = Record<string, Record<string, number>>;
type LedgerUrls = Record<'payments' | 'inventory' | 'shipping', string>;

async function bookOf(url: string): Promise<Book> {
  const body = (await (await fetch(`${url}/__admin/state`)).json()) as { orders?: Book };
  return body.orders ?? {};
}

/** Calls a sample service received that have not been answered or given up yet. */
export async function callsInFlight(url: string): Promise<number> {
  const { requests } = (await (await fetch(`${url}/__admin/state`)).json()) as { requests: { received: number; completed: number; aborted: number } };
  return requests.received - requests.completed - requests.aborted;
}

export interface Audit {
  /** Orders that ended in another state or for another reason than planned. */
  wrongEnds: string[];
  /** Orders whose books differ from the plan in any way. */
  wrongEffects: string[];
  /** Effects (charge, reservation, shipment, refund, release, cancellation) recorded more often than planned. */
  duplicateEffects: number;
  /** Planned refunds, releases and cancellations that did not happen. */
  missedCompensations: number;
}

const COMPENSATIONS = ['refunds', 'releases', 'cancellations'] as const;
const EFFECTS = ['charges', 'reservations', 'shipments', ...COMPENSATIONS] as const;

/** Checks each order's end and its books against its plan; `finals` must hold every order. */
export async function audit(urls: LedgerUrls, orders: readonly PlannedOrder[], finals: ReadonlyMap<string, OrderState>): Promise<Audit> {
  const [payments, inventory, shipping] = await Promise.all([bookOf(urls.payments), bookOf(urls.inventory), bookOf(urls.shipping)]);
  const result: Audit = { wrongEnds: [], wrongEffects: [], duplicateEffects: 0, missedCompensations: 0 };
  for (const { kind, request } of orders) {
    const { orderId } = request;
    const expected = EXPECTED[kind];
    const final = finals.get(orderId);
    if (final?.status !== expected.status || final.failure?.reason !== expected.reason) {
      result.wrongEnds.push(`${orderId} (${kind}): ${final?.status ?? 'not final'} ${final?.failure?.reason ?? ''} ${final?.failure?.detail ?? ''}`);
    }
    const p = payments[orderId] ?? {};
    const inv = inventory[orderId] ?? {};
    const s = shipping[orderId] ?? {};
    const actual: LedgerEffects = {
      charges: p.charges ?? 0,
      refunds: p.refunds ?? 0,
      reservations: inv.reservations ?? 0,
      releases: inv.releases ?? 0,
      active: inv.active ?? 0,
      shipments: s.shipments ?? 0,
      cancellations: s.cancellations ?? 0,
    };
    if (JSON.stringify(actual) !== JSON.stringify(expected.effects)) result.wrongEffects.push(`${orderId} (${kind}): ${JSON.stringify(actual)}`);
    for (const effect of EFFECTS) result.duplicateEffects += Math.max(0, actual[effect] - expected.effects[effect]);
    for (const effect of COMPENSATIONS) result.missedCompensations += Math.max(0, expected.effects[effect] - actual[effect]);
  }
  return result;
}

/** Activity attempts beyond the first, over every order: how much trouble Baton rode through. */
export const retriedAttempts = (finals: Iterable<OrderState>) =>
  [...finals].reduce((sum, s) => sum + [...s.steps, ...s.compensations].reduce((n, r) => n + Math.max(0, r.attempts - 1), 0), 0);

export const countByStatus = (finals: ReadonlyMap<string, OrderState>, status: OrderState['status']) =>
  [...finals.values()].filter((s) => s.status === status).length;

// --- processes ---------------------------------------------------------------------------------

export interface Stack {
  address: string;
  namespace: string;
  taskQueue: string;
  serviceUrls: Record<ServiceName, string>;
}

const temporalEnv = (stack: Stack) => ({
  TEMPORAL_ADDRESS: stack.address,
  TEMPORAL_NAMESPACE: stack.namespace,
  TEMPORAL_TASK_QUEUE: stack.taskQueue,
});

/** `npm run worker` as a child process; resolves once it polls. */
export async function startWorkerProcess(stack: Stack, env: Record<string, string> = {}): Promise<ChildHandle> {
  const worker = startWorkerChild(stack, stack.serviceUrls, env);
  await worker.waitFor(WORKER_READY, 90_000);
  return worker;
}

export interface ApiProcess {
  handle: ChildHandle;
  url: string;
}

/** `npm run api` as a child process on `port`; resolves once it listens. */
export async function startApiProcess(stack: Stack, port: number, env: Record<string, string> = {}): Promise<ApiProcess> {
  const handle = startChild('api/main.ts', {
    ...temporalEnv(stack),
    ...serviceUrlEnv(stack.serviceUrls),
    PORT: String(port),
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    ...env,
  });
  const line = await handle.waitFor(/api listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
  return { handle, url: line.slice(line.indexOf('http://')) };
}

// --- figures -----------------------------------------------------------------------------------

export const CHAOS_RESULTS_PATH = join(repoRoot, '.data', 'chaos-results.json');

export interface ChaosSummary {
  ordersPushed: number;
  /** What was done to the system, in words and counts. */
  faultsInjected: string;
  ordersLost: number;
  duplicateEffects: number;
  missedCompensations: number;
  wrongEnds: number;
  completed: number;
  failed: number;
  retriedAttempts: number;
  durationMs: number;
  /** Anything else the case measured (kills, outage length, orders in doubt ...). */
  details?: Record<string, number | string | boolean>;
}

/** The figures every case reports, from its audit and the orders' final states. */
export function caseSummary(input: {
  ordersPushed: number;
  faultsInjected: string;
  audit: Audit;
  finals: ReadonlyMap<string, OrderState>;
  startedAt: number;
  /** Defaults to the orders that never reached a final state. */
  ordersLost?: number;
  details?: ChaosSummary['details'];
}): ChaosSummary {
  const { ordersPushed, faultsInjected, audit: result, finals, startedAt, details } = input;
  return {
    ordersPushed,
    faultsInjected,
    ordersLost: input.ordersLost ?? ordersPushed - finals.size,
    duplicateEffects: result.duplicateEffects,
    missedCompensations: result.missedCompensations,
    wrongEnds: result.wrongEnds.length,
    completed: countByStatus(finals, 'completed'),
    failed: countByStatus(finals, 'failed'),
    retriedAttempts: retriedAttempts(finals.values()),
    durationMs: Date.now() - startedAt,
    ...(details && { details }),
  };
}

/** Prints the case's one line and merges its figures into .data/chaos-results.json. */
export async function recordChaosResult(caseName: string, summary: ChaosSummary): Promise<void> {
  console.log(
    `chaos ${caseName}: ${summary.ordersPushed} orders pushed; faults: ${summary.faultsInjected}; ` +
      `${summary.completed} completed, ${summary.failed} failed; lost ${summary.ordersLost}, ` +
      `duplicate effects ${summary.duplicateEffects}, missed compensations ${summary.missedCompensations}, wrong ends ${summary.wrongEnds}; ` +
      `${summary.retriedAttempts} retried attempts; ${Math.round(summary.durationMs / 1000)} s`,
  );
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(CHAOS_RESULTS_PATH, 'utf8')) as Record<string, unknown>;
  } catch {
    // first case of the run, or an unreadable file: start over
  }
  all[caseName] = { ...summary, recordedAt: new Date().toISOString() };
  await mkdir(dirname(CHAOS_RESULTS_PATH), { recursive: true });
  await writeFile(CHAOS_RESULTS_PATH, `${JSON.stringify(all, null, 2)}\n`);
}
