// The production tier: Baton on a real Temporal cluster (Temporal's own server on PostgreSQL, frontend,
// two history processes, matching and worker as processes of their own), two API processes and three
// worker processes. Each case pushes at least 200 orders that mix successes and the services' designed
// failures over HTTP, breaks one part of the deployment while they run, and then audits every order against
// the services' own books: orders lost, duplicate effects, missed compensations, wrong end states, all 0.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { OrderState } from '../../contracts';
import {
  audit,
  caseSummary,
  existence,
  place,
  planOrders,
  plannedOrder,
  pool,
  readOrder,
  recordChaosResult,
  sleep,
  waitForFinals,
  type ApiCall,
  type ChaosSummary,
  type OrderKind,
  type PlannedOrder,
} from '../support/chaos';
import { FAST_TIMINGS, setFaults, settlePayment } from '../support/orders';
import { exitCode, startChild } from '../support/processes';
import { startProductionRig, type ProductionRig } from './rig';

const ORDERS = 200;
const CONCURRENCY = 12;
/** Orders accepted before the fault: the rest arrive while it lasts and after. */
const FAULT_AFTER = 60;
const DOWN_MS = 5000;
/** Every call a little slow, so that activities are in flight when something breaks. */
const STEP_LATENCY = { latencyMs: 30 };

let rig: ProductionRig;
const results: [string, ChaosSummary][] = [];

beforeAll(async () => {
  // Bank transfers settle when a case says so (then the payments service calls the API back).
  rig = await startProductionRig({ settleOutcome: 'never', faults: { payments: STEP_LATENCY, inventory: STEP_LATENCY, shipping: STEP_LATENCY } });
});

// A supervisor restarts what a case killed before the next one.
beforeEach(() => rig?.revive());

afterAll(async () => {
  await rig?.stop();
  if (results.length > 0) printTable(results);
});

async function record(name: string, summary: ChaosSummary): Promise<void> {
  results.push([name, summary]);
  await recordChaosResult(`production-${name}`, summary);
}

function printTable(rows: [string, ChaosSummary][]): void {
  const header = ['case', 'orders pushed', 'completed', 'failed', 'lost', 'duplicate effects', 'missed compensations', 'wrong ends', 'retried attempts', 's'];
  const lines = rows.map(([name, s]) =>
    [
      name,
      s.ordersPushed,
      s.completed,
      s.failed,
      s.ordersLost,
      s.duplicateEffects,
      s.missedCompensations,
      s.wrongEnds,
      s.retriedAttempts,
      Math.round(s.durationMs / 1000),
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [format(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(format)];
  out.push('', 'faults injected:', ...rows.map(([name, s]) => `  ${name}: ${s.faultsInjected}`));
  console.log(`\nproduction tier on a real Temporal cluster\n${out.join('\n')}`);
}

/** Pushes `orders` through both API processes; `onAccepted` sees the running count. 5xx and no answer are retried. */
async function push(
  call: ApiCall,
  orders: readonly PlannedOrder[],
  onAccepted: (accepted: number) => void = () => undefined,
): Promise<{ answered5xx: number }> {
  let accepted = 0;
  let answered5xx = 0;
  const counting: ApiCall = async (path, init) => {
    const res = await call(path, init);
    if (res.status >= 500) answered5xx++;
    return res;
  };
  await pool(orders, CONCURRENCY, async ({ request }) => {
    await place(counting, request, { attempts: 120, backoffMs: 250 });
    onAccepted(++accepted);
  });
  return { answered5xx };
}

/** Resolves once `holds` is true, checking every 20 ms; the last value it saw otherwise. */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

/**
 * Waits until the rig's queue has no open order (a visibility count, cheap where polling every open order's
 * state would query the workers), then reads each order's end through the API.
 */
async function waitUntilClosed(timeoutMs: number): Promise<number> {
  const query = `TaskQueue = '${rig.stack.taskQueue}' AND ExecutionStatus = 'Running'`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await rig.client.workflow.count(query);
    if (count === 0 || Date.now() > deadline) return count;
    await sleep(500);
  }
}

/** Waits for every order's end and audits it; the summary is printed and kept for the closing table. */
async function finish(
  name: string,
  orders: readonly PlannedOrder[],
  started: number,
  faultsInjected: string,
  details?: ChaosSummary['details'],
  ordersLost?: number,
) {
  const pushedAt = Date.now();
  await waitUntilClosed(180_000);
  const closedAt = Date.now();
  const finals = await waitForFinals(rig.anyApi, orders, { timeoutMs: 60_000 });
  console.log(`${name}: pushed and faulted in ${pushedAt - started} ms, all closed ${closedAt - pushedAt} ms later, read in ${Date.now() - closedAt} ms`);
  const result = await audit(rig.services.urls, orders, finals);
  const summary = caseSummary({
    ordersPushed: orders.length,
    faultsInjected,
    audit: result,
    finals,
    startedAt: started,
    ...(details && { details }),
    ...(ordersLost !== undefined && { ordersLost }),
  });
  await record(name, summary);
  return { finals, result, summary };
}

function expectClean({ finals, result, summary }: Awaited<ReturnType<typeof finish>>, count: number) {
  expect(summary.ordersLost).toBe(0);
  expect(finals.size).toBe(count);
  expect(result.wrongEnds).toEqual([]);
  expect(result.wrongEffects).toEqual([]);
  expect(summary.duplicateEffects).toBe(0);
  expect(summary.missedCompensations).toBe(0);
  expect(summary.wrongEnds).toBe(0);
}

const running = (name: Parameters<ProductionRig['cluster']['pid']>[0]) => rig.cluster.pid(name) !== undefined;

interface InFlight {
  /** Which of the rig's worker processes. */
  index: number;
  /** Its activities started and not finished, in the run where it was found. */
  activities: number;
}

/**
 * The first worker process found running an activity right now, from Temporal's own account: an open run's
 * pending activities in state STARTED name the worker that holds them (its identity, `pid@host`).
 */
async function workerWithActivityInFlight(): Promise<InFlight | undefined> {
  const pids = rig.workers.map((w) => w.child.pid);
  let looked = 0;
  for await (const run of rig.client.workflow.list({ query: `TaskQueue = '${rig.stack.taskQueue}' AND ExecutionStatus = 'Running'` })) {
    if (++looked > 40) break;
    const { raw } = await rig.client.workflow.getHandle(run.workflowId, run.runId).describe();
    const started = (raw.pendingActivities ?? []).filter((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    for (const activity of started) {
      const index = pids.indexOf(Number(activity.lastWorkerIdentity?.split('@')[0]));
      if (index >= 0) return { index, activities: started.length };
    }
  }
  return undefined;
}

describe('Baton on a real Temporal cluster', () => {
  it('the order suite: success, every failure point, bank transfers cleared by callback, cancels, needs_attention resolved', async () => {
    const started = Date.now();
    // 170 card orders (seven in ten good; declined, out of stock, refused by shipping), 20 transfers that
    // clear, 10 transfers cancelled while they wait.
    const cards = planOrders('suite', 170);
    const transfers = Array.from({ length: 30 }, (_, i) => plannedOrder('suite-transfer', i, i < 20 ? 'bank_transfer_cleared' : 'cancelled_in_clearance'));
    await push(rig.anyApi, [...cards, ...transfers]);

    // Each transfer waits for its clearance; the payments service settles it and calls the API back.
    const waiting = async (order: PlannedOrder) => {
      const state = await until(
        () => readOrder(rig.anyApi, order.request.orderId),
        (s) => s?.status === 'awaiting_payment' && s.steps.some((step) => step.name === 'awaitPaymentClearance'),
        60_000,
      );
      if (!state?.paymentId) throw new Error(`${order.request.orderId} never waited for its clearance: ${JSON.stringify(state)}`);
      return state.paymentId;
    };
    let cancels202 = 0;
    await pool(transfers, 10, async (order) => {
      const paymentId = await waiting(order);
      if (order.kind === 'bank_transfer_cleared') await settlePayment(rig.services.urls.payments, paymentId, 'cleared');
      else {
        const res = await rig.api(1)(`/orders/${order.request.orderId}/cancel`, { method: 'POST' });
        await res.body?.cancel();
        if (res.status === 202) cancels202++;
      }
    });

    // needs_attention: out of stock while every refund fails, so the refund exhausts its (short) retries;
    // then an operator resolves each through an API process: retry (the refund goes through) or abandon.
    const fastApi = await rig.startInProcessApi(FAST_TIMINGS);
    const stuck = Array.from({ length: 10 }, (_, i) => plannedOrder('suite-stuck', i, i % 2 === 0 ? 'out_of_stock' : 'refund_abandoned'));
    const baseline = async () => {
      const finals = await waitForFinals(rig.anyApi, [...cards, ...transfers], { timeoutMs: 120_000 });
      return finals.size;
    };
    // The refunds of the first batch must not meet the failing payments service.
    expect(await baseline()).toBe(cards.length + transfers.length);
    await setFaults(rig.services.urls.payments, { ...STEP_LATENCY, failNext: 100_000, failStatus: 503, match: '/payments/pay_' });
    await pool(stuck, 10, ({ request }) => place(fastApi.call, request).then(() => undefined));
    const needsAttention = new Map<string, OrderState>();
    await pool(stuck, 10, async ({ request }) => {
      const state = await until(
        () => readOrder(rig.anyApi, request.orderId),
        (s) => s?.status === 'needs_attention',
        60_000,
      );
      if (state?.status === 'needs_attention') needsAttention.set(request.orderId, state);
    });
    await setFaults(rig.services.urls.payments, STEP_LATENCY);
    let resolves202 = 0;
    await pool(stuck, 10, async ({ kind, request }) => {
      const action = kind === 'refund_abandoned' ? 'abandon' : 'retry';
      const res = await rig.api(0)(`/orders/${request.orderId}/resolve`, { method: 'POST', json: { action } });
      await res.body?.cancel();
      if (res.status === 202) resolves202++;
    });

    const orders = [...cards, ...transfers, ...stuck];
    const count = (kind: OrderKind) => orders.filter((o) => o.kind === kind).length;
    const outcome = await finish(
      'order-suite',
      orders,
      started,
      `${count('declined')} declined cards, ${count('out_of_stock')} out of stock, ${count('address_rejected')} refused by shipping, 20 transfers cleared by callback, 10 cancelled in clearance, ` +
        `10 refunds failing until needs_attention (5 resolved retry, 5 abandon)`,
      { needsAttention: needsAttention.size, cancels202, resolves202 },
    );
    expect(cancels202).toBe(10);
    expect(needsAttention.size).toBe(10);
    expect(resolves202).toBe(10);
    for (const { kind, request } of stuck) {
      const final = outcome.finals.get(request.orderId);
      // Abandoned: the order names the payment it could not refund; retried: nothing is left open.
      if (kind === 'refund_abandoned') expect(final?.unresolved?.map((u) => u.compensation)).toEqual(['refundPayment']);
      else expect(final?.unresolved).toBeUndefined();
    }
    expectClean(outcome, orders.length);
  });

  it('a worker process is SIGKILLed while its activities are in flight, and restarted', async () => {
    const started = Date.now();
    const { urls } = rig.services;
    // Shipping holds its calls for 4 s, so that a worker found running one is still running it when it dies.
    await setFaults(urls.shipping, { latencyMs: 4000 });
    const orders = planOrders('worker-kill', ORDERS);
    let victim: InFlight | undefined;
    let kill: Promise<void> | undefined;
    await push(rig.anyApi, orders, (accepted) => {
      if (accepted !== FAULT_AFTER) return;
      kill = (async () => {
        victim = await until(workerWithActivityInFlight, (found) => found !== undefined, 60_000);
        if (!victim) throw new Error('no worker process had an activity in flight');
        rig.workers[victim.index]!.child.kill('SIGKILL');
        await setFaults(urls.shipping, STEP_LATENCY);
        await sleep(2000);
        await rig.restartWorker(victim.index);
      })();
    });
    await kill;
    const outcome = await finish(
      'worker-kill',
      orders,
      started,
      `worker process ${victim?.index} of ${rig.workers.length} SIGKILLed while it ran activities (shipping at 4 s), restarted 2 s later; ` +
        'its attempts come back after their start-to-close timeout',
      { activitiesInFlightOnKilledWorker: victim?.activities ?? 0 },
    );
    // The kill cost attempts, which Temporal gave to another worker: each effect still happened once.
    expect(victim?.activities).toBeGreaterThan(0);
    expect(outcome.summary.retriedAttempts).toBeGreaterThan(0);
    expectClean(outcome, ORDERS);
  });

  it('an API process is SIGKILLed under load: every 202 exists and finishes', async () => {
    const started = Date.now();
    const orders = planOrders('api-kill', ORDERS);
    const acknowledged = new Set<string>();
    const inDoubt: PlannedOrder[] = [];
    let killed = false;
    // One attempt each against API process 0: what a client knows when the API dies under it.
    await pool(orders, CONCURRENCY, async (order) => {
      try {
        await place(rig.api(0), order.request, { attempts: 1 });
        acknowledged.add(order.request.orderId);
      } catch {
        inDoubt.push(order);
      }
      if (acknowledged.size === FAULT_AFTER && !killed) {
        killed = true;
        rig.apis[0]!.handle.child.kill('SIGKILL');
      }
    });
    expect(rig.apis[0]!.handle.child.signalCode).toBe('SIGKILL');
    // Clients retry what they got no answer for, with the same orderId, through the other API process.
    let existedAlready = 0;
    await pool(inDoubt, CONCURRENCY, async ({ request }) => {
      if ((await place(rig.api(1), request, { attempts: 120 })) === 200) existedAlready++;
    });
    await rig.restartApi(0);
    // Every acknowledged order exists, asked through the restarted process until it answers 200 or 404 (a
    // process just started may answer 503 while it checks the namespace, or be slow under load).
    const missing: string[] = [];
    await pool([...acknowledged], CONCURRENCY, async (orderId) => {
      const status = await existence(rig.api(0), orderId);
      if (status !== 200) missing.push(`${orderId}: ${status ?? 'no answer'}`);
    });
    const outcome = await finish(
      'api-kill',
      orders,
      started,
      `API process 0 of 2 SIGKILLed after ${FAULT_AFTER} acknowledged orders with ${CONCURRENCY} requests open, restarted on its port; ` +
        `${inDoubt.length} orders without an answer retried through API process 1 (${existedAlready} had started)`,
      { acknowledged: acknowledged.size, inDoubt: inDoubt.length, inDoubtThatHadStarted: existedAlready, acknowledgedButMissing: missing.length },
    );
    expect(inDoubt.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect([...acknowledged].filter((id) => !outcome.finals.has(id))).toEqual([]);
    expectClean(outcome, ORDERS);
  });

  it('a history process is SIGKILLed mid-flight and restarted', async () => {
    const started = Date.now();
    const orders = planOrders('history-kill', ORDERS);
    let outage: Promise<void> | undefined;
    const { answered5xx } = await push(rig.anyApi, orders, (accepted) => {
      if (accepted !== FAULT_AFTER) return;
      outage = (async () => {
        await rig.cluster.kill('history-1');
        await sleep(DOWN_MS);
        await rig.cluster.start('history-1');
      })();
    });
    await outage;
    const outcome = await finish(
      'history-kill',
      orders,
      started,
      `history process 1 of 2 SIGKILLed after ${FAULT_AFTER} accepted orders, down ${DOWN_MS / 1000} s, restarted on its ports`,
      { startsAnswered5xx: answered5xx, otherHistorySurvived: running('history-2') },
    );
    expect(running('history-2')).toBe(true);
    expectClean(outcome, ORDERS);
  });

  it('the frontend is SIGKILLed mid-flight and restarted; workers and APIs reconnect by themselves', async () => {
    const started = Date.now();
    const orders = planOrders('frontend-kill', ORDERS);
    const pids = [...rig.workers.map((w) => w.child.pid), ...rig.apis.map((a) => a.handle.child.pid)];
    let outage: Promise<void> | undefined;
    const { answered5xx } = await push(rig.anyApi, orders, (accepted) => {
      if (accepted !== FAULT_AFTER) return;
      outage = (async () => {
        await rig.cluster.kill('frontend');
        await sleep(DOWN_MS);
        await rig.cluster.start('frontend');
      })();
    });
    await outage;
    const outcome = await finish(
      'frontend-kill',
      orders,
      started,
      `frontend SIGKILLed after ${FAULT_AFTER} accepted orders, down ${DOWN_MS / 1000} s, restarted on its port; worker and API processes not restarted`,
      { startsAnswered5xx: answered5xx },
    );
    // While the frontend was away, the APIs said so (503), and nobody had to restart a worker or an API.
    expect(answered5xx).toBeGreaterThan(0);
    expect([...rig.workers.map((w) => w.child.pid), ...rig.apis.map((a) => a.handle.child.pid)]).toEqual(pids);
    for (const child of [...rig.workers.map((w) => w.child), ...rig.apis.map((a) => a.handle.child)]) expect(child.exitCode ?? child.signalCode).toBeNull();
    expectClean(outcome, ORDERS);
  });

  it('PostgreSQL is SIGKILLed mid-flight and restarted; the Temporal processes ride it out', async () => {
    const started = Date.now();
    const orders = planOrders('postgres-kill', ORDERS);
    let outage: Promise<void> | undefined;
    const { answered5xx } = await push(rig.anyApi, orders, (accepted) => {
      if (accepted !== FAULT_AFTER) return;
      outage = (async () => {
        await rig.cluster.postgres.kill();
        await sleep(DOWN_MS);
        await rig.cluster.postgres.start();
      })();
    });
    await outage;
    const roles = rig.cluster.roles.filter((role) => !running(role));
    const outcome = await finish(
      'postgres-kill',
      orders,
      started,
      `PostgreSQL (postmaster and every backend) SIGKILLed after ${FAULT_AFTER} accepted orders, down ${DOWN_MS / 1000} s, restarted with crash recovery`,
      { startsAnswered5xx: answered5xx, temporalRolesThatDied: roles.join(',') || 'none' },
    );
    expect(roles).toEqual([]);
    expectClean(outcome, ORDERS);
  });

  it('npm run replay: the runs of these cases replay against the bundle the workers ran', async () => {
    const limit = 400;
    const replay = startChild(
      'worker/replay.ts',
      { TEMPORAL_ADDRESS: rig.cluster.address, TEMPORAL_NAMESPACE: rig.cluster.namespace },
      {
        args: ['--task-queue', rig.stack.taskQueue, '--since', '1h', '--limit', String(limit), '--bundle', inject('workflowBundle')],
      },
    );
    const code = await exitCode(replay, 300_000);
    console.log(replay.output().trim().split('\n').at(-1));
    expect(replay.output()).toContain(`order: ${limit} run(s)`);
    expect(replay.output()).toContain(`replay: ${limit} run(s) replay against this bundle`);
    expect(code).toBe(0);
  }, 360_000);
});
