// Horizontal scaling without Docker: three worker processes on one task queue share 200 orders
// pushed over HTTP. Mid-run one worker is SIGKILLed (its tasks come back after their timeouts) and
// one is SIGTERMed (it drains what it runs and exits 0). Every order must still reach the right end,
// and the sample services' own books must show each effect exactly once: no charge, reservation or
// shipment twice, no refund missing. `npm run test:scaling` runs this file alone.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallTimings, FailureReason, OrderState, OrderTimings } from '../../../definitions';
import type { OrderRequest } from '../../../domain/orders';
import { startSampleServices, type RunningSampleServices } from '../../../services';
import { workflowsPath } from '../../../worker/workflow-source';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { orderRequest, uniqueOrderId } from '../../support/orders';
import { startChild, type ChildHandle } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('scaling');

const ORDERS = 200;
const CONCURRENCY = 20;
/** Orders accepted before the first worker is SIGKILLed, and before the second is SIGTERMed. */
const KILL_AFTER = 60;
const TERM_AFTER = 110;

/**
 * An attempt lost with the killed worker is retried once its start-to-close timeout passes: keep it
 * short (each call takes ~20 ms plus queueing), with attempts to spare for a second loss.
 */
const call = (maximumAttempts: number): CallTimings => ({
  startToCloseTimeout: '4 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '1 second', maximumAttempts },
});
const TIMINGS: OrderTimings = {
  steps: call(6),
  compensations: { refundPayment: call(8), releaseReservation: call(8), cancelShipment: call(8) },
};

type Kind = 'completes' | 'out_of_stock' | 'declined';
interface Expected {
  status: OrderState['status'];
  reason?: FailureReason;
  effects: { charges: number; refunds: number; reservations: number; active: number; shipments: number; cancellations: number };
}
const EXPECTED: Record<Kind, Expected> = {
  completes: { status: 'completed', effects: { charges: 1, refunds: 0, reservations: 1, active: 1, shipments: 1, cancellations: 0 } },
  out_of_stock: { status: 'failed', reason: 'out_of_stock', effects: { charges: 1, refunds: 1, reservations: 0, active: 0, shipments: 0, cancellations: 0 } },
  declined: { status: 'failed', reason: 'payment_declined', effects: { charges: 0, refunds: 0, reservations: 0, active: 0, shipments: 0, cancellations: 0 } },
};

/** Mostly orders that complete; every tenth runs out of stock, every tenth (offset) is declined. */
function orderFor(i: number): { kind: Kind; request: OrderRequest } {
  const kind: Kind = i % 10 === 3 ? 'out_of_stock' : i % 10 === 7 ? 'declined' : 'completes';
  return {
    kind,
    request: orderRequest({
      orderId: uniqueOrderId(`scale-${i}`),
      customerId: kind === 'declined' ? `declined-${i}` : `cus-${i}`,
      items: [{ sku: kind === 'out_of_stock' ? 'OOS-SCALE' : 'SKU-SCALE', quantity: 1 + (i % 3) }],
    }),
  };
}

let services: RunningSampleServices;
let api: TestApi;
let bundleDir: string;
const workers: ChildHandle[] = [];

beforeAll(async () => {
  // A little latency so that calls are in flight when workers die.
  const slow = { latencyMs: 20 };
  services = await startSampleServices({ faults: { payments: slow, inventory: slow, shipping: slow } });
  // One bundle for the three workers, as in production (BATON_WORKFLOW_BUNDLE), instead of three builds on two cores.
  bundleDir = await mkdtemp(join(tmpdir(), 'baton-scaling-'));
  const bundlePath = join(bundleDir, 'workflow-bundle.js');
  await writeFile(bundlePath, (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') })).code);
  for (let i = 0; i < 3; i++) {
    workers.push(
      startChild('worker/main.ts', {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        PAYMENTS_URL: services.urls.payments,
        INVENTORY_URL: services.urls.inventory,
        SHIPPING_URL: services.urls.shipping,
        BATON_WORKFLOW_BUNDLE: bundlePath,
        BATON_HTTP_TIMEOUT_MS: '2000',
        BATON_SHUTDOWN_GRACE_MS: '10000',
      }),
    );
  }
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: TIMINGS } });
  await Promise.all(workers.map((w) => w.waitFor(/worker polling task queue/)));
});

afterAll(async () => {
  await api?.stopAll();
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await services?.close();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` over `items`, at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** POST /orders; a 5xx (Temporal slow under load) is retried: the orderId makes the start idempotent. */
async function place(request: OrderRequest): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await api.call('/orders', { method: 'POST', json: request, signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 202 || res?.status === 200) return;
    if (attempt >= 5 || (res && res.status < 500)) throw new Error(`POST /orders ${request.orderId}: ${res?.status ?? 'no answer'}`);
    await sleep(250 * attempt);
  }
}

/** GET /orders/{id}; undefined while the answer is not there (a query waiting for a dead worker's sticky queue). */
async function read(orderId: string): Promise<OrderState | undefined> {
  const res = await api.call(`/orders/${orderId}`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  if (res?.status !== 200) {
    await res?.body?.cancel();
    return undefined;
  }
  return (await res.json()) as OrderState;
}

const FINAL = ['completed', 'failed', 'cancelled'];

async function bookOf(url: string): Promise<Record<string, Record<string, number>>> {
  const body = (await (await fetch(`${url}/__admin/state`)).json()) as { orders?: Record<string, Record<string, number>> };
  return body.orders ?? {};
}

describe('three workers on one task queue', () => {
  it('finish 200 orders through a SIGKILL and a SIGTERM, each effect exactly once', async () => {
    const started = Date.now();
    const orders = Array.from({ length: ORDERS }, (_, i) => orderFor(i));
    const [killed, terminated] = [workers[0]!, workers[1]!];
    let accepted = 0;
    let killedAt = 0;
    let terminatedAt = 0;
    let termination: Promise<number | null> | undefined;

    await pool(orders, CONCURRENCY, async ({ request }) => {
      await place(request);
      accepted++;
      if (accepted === KILL_AFTER) {
        killedAt = Date.now() - started;
        killed.child.kill('SIGKILL');
      }
      if (accepted === TERM_AFTER) {
        terminatedAt = Date.now() - started;
        termination = terminated.stop('SIGTERM', 30_000);
      }
    });
    const pushedIn = Date.now() - started;

    // The SIGTERMed worker drained what it was running and stopped on its own.
    expect(await termination).toBe(0);
    expect(terminated.output()).toMatch(/worker stopped/);
    expect(killed.child.signalCode).toBe('SIGKILL');

    // Every order reaches its final state.
    const finals = new Map<string, OrderState>();
    const deadline = Date.now() + 120_000;
    while (finals.size < orders.length) {
      if (Date.now() > deadline) throw new Error(`${orders.length - finals.size} orders never finished`);
      const open = orders.filter((o) => !finals.has(o.request.orderId));
      await pool(open, CONCURRENCY, async ({ request }) => {
        const state = await read(request.orderId);
        if (state && FINAL.includes(state.status)) finals.set(request.orderId, state);
      });
      if (finals.size < orders.length) await sleep(1000);
    }
    const settledIn = Date.now() - started;

    // Right ends, and the services' own books: each effect exactly once.
    const [payments, inventory, shipping] = await Promise.all([bookOf(services.urls.payments), bookOf(services.urls.inventory), bookOf(services.urls.shipping)]);
    const wrongEnds: string[] = [];
    const wrongEffects: string[] = [];
    for (const { kind, request } of orders) {
      const { orderId } = request;
      const expected = EXPECTED[kind];
      const final = finals.get(orderId)!;
      if (final.status !== expected.status || final.failure?.reason !== expected.reason) {
        wrongEnds.push(`${orderId} (${kind}): ${final.status} ${final.failure?.reason ?? ''} ${final.failure?.detail ?? ''}`);
      }
      const p = payments[orderId] ?? {};
      const inv = inventory[orderId] ?? {};
      const s = shipping[orderId] ?? {};
      const actual = {
        charges: p.charges ?? 0,
        refunds: p.refunds ?? 0,
        reservations: inv.reservations ?? 0,
        active: inv.active ?? 0,
        shipments: s.shipments ?? 0,
        cancellations: s.cancellations ?? 0,
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected.effects)) wrongEffects.push(`${orderId} (${kind}): ${JSON.stringify(actual)}`);
    }

    const count = (status: string) => [...finals.values()].filter((s) => s.status === status).length;
    // Steps that needed a second attempt: mostly the calls lost with the SIGKILLed worker.
    const retried = [...finals.values()].filter((s) => s.steps.some((step) => step.attempts > 1)).length;
    console.log(
      `scaling: ${ORDERS} orders pushed in ${pushedIn} ms (${CONCURRENCY} at a time); worker SIGKILLed at ${killedAt} ms, ` +
        `worker SIGTERMed at ${terminatedAt} ms (exit 0); all final after ${settledIn} ms: ` +
        `${count('completed')} completed, ${count('failed')} failed, ${retried} with a retried step; wrong ends ${wrongEnds.length}, wrong effect counts ${wrongEffects.length}`,
    );
    expect(wrongEnds).toEqual([]);
    expect(wrongEffects).toEqual([]);
    expect(count('completed')).toBe(orders.filter((o) => o.kind === 'completes').length);
  }, 240_000);
});
