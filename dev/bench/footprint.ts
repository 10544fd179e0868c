// Worker footprint: resident memory per cached workflow. A worker (worker/main.ts) with a workflow
// cache larger than the test takes N bank-transfer orders, which wait for a clearance that never
// comes (the sample payments service is told never to settle), so every run stays in the cache; the
// RSS growth divided by N is the cost of one waiting order. A first batch warms the worker up
// (isolate, JIT, pools) before the baseline reading.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { orderQueries, orderWorkflow } from '../../contracts';
import type { Child } from './lib/children';
import { orderRequest, startOrderAsApi } from './lib/orders';
import { fmt, round, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startBatonWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';
import { STEP_LATENCY_MS } from './saga-latency';

/** With 100,000 orders waiting days for bank transfers, this decides how many a worker keeps cached. */
export const FOOTPRINT_TARGET_MB = 1;

export interface FootprintJson {
  rssPerCachedWorkflowMB: number | null;
  target: number;
  cachedWorkflows: number;
  rssIdleMB: number | null;
  rssWarmMB: number | null;
  rssLoadedMB: number | null;
}

/** Starts `count` bank-transfer orders and waits until each waits for its clearance. */
async function placeWaitingOrders(client: Client, taskQueue: string, prefix: string, count: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => orderRequest(prefix, i, 'bank_transfer'));
  const inParallel = 16;
  for (let i = 0; i < ids.length; i += inParallel) {
    await Promise.all(ids.slice(i, i + inParallel).map((order) => startOrderAsApi(client, taskQueue, order)));
  }
  for (let i = 0; i < ids.length; i += inParallel) {
    await Promise.all(
      ids.slice(i, i + inParallel).map(async (order) => {
        const handle = client.workflow.getHandle(orderWorkflow.workflowId(order.orderId));
        for (let attempt = 0; ; attempt++) {
          const state = await handle.query(orderQueries.state).catch(() => undefined);
          if (state?.steps.some((s) => s.name === 'awaitPaymentClearance' && s.status === 'running')) return;
          if (attempt > 300) throw new Error(`order ${order.orderId} never waited for clearance: ${JSON.stringify(state)}`);
          await sleep(100);
        }
      }),
    );
  }
}

/** Median of a few readings a little apart: one reading can land mid-allocation. */
async function settledRss(worker: Child<unknown>): Promise<number> {
  await sleep(2000);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++, await sleep(400)) readings.push(worker.rssMB());
  return readings.sort((a, b) => a - b)[2] ?? NaN;
}

export async function footprintBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<FootprintJson>> {
  const warm = 50;
  const count = quick ? 200 : 500;
  const taskQueue = 'bench-footprint';
  const { temporal, urls, parts } = await startSagaStage(STEP_LATENCY_MS, server);
  try {
    const worker = await startBatonWorker(temporal, taskQueue, urls, { BATON_MAX_CACHED_WORKFLOWS: String(2 * (warm + count)) });
    parts.push(worker);
    const idle = await settledRss(worker);
    await placeWaitingOrders(temporal.batonClient, taskQueue, 'fp-warm', warm);
    const before = await settledRss(worker);
    console.log(`  worker RSS idle ${fmt(idle, 0)} MiB, with ${warm} waiting orders ${fmt(before, 0)} MiB; placing ${count} more`);
    await placeWaitingOrders(temporal.batonClient, taskQueue, 'fp', count);
    const after = await settledRss(worker);
    const perWorkflow = (after - before) / count;
    console.log(`  with ${warm + count} waiting orders ${fmt(after, 0)} MiB: ${fmt(perWorkflow * 1024, 0)} KiB per cached order`);
    return {
      json: {
        rssPerCachedWorkflowMB: round(perWorkflow, 3),
        target: FOOTPRINT_TARGET_MB,
        cachedWorkflows: warm + count,
        rssIdleMB: round(idle, 1),
        rssWarmMB: round(before, 1),
        rssLoadedMB: round(after, 1),
      },
      rows: [
        {
          benchmark: 'worker footprint',
          figure: `RSS per cached (waiting) order, ${count} orders`,
          baton: `${fmt(perWorkflow, 3)} MiB`,
          baseline: '',
          result: `worker ${fmt(before, 0)} → ${fmt(after, 0)} MiB: ${verdict(perWorkflow, (v) => v <= FOOTPRINT_TARGET_MB)}`,
          target: `≤ ${FOOTPRINT_TARGET_MB} MiB`,
        },
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
