// Worker scaling: completed orders per second with 1, 2 and 4 worker processes against a real Temporal
// cluster (dev/temporal/temporal-cluster.ts: Temporal's server on PostgreSQL, one process per role), where the
// worker is the bottleneck on purpose: each worker process runs at most BENCH_SCALING_ACTIVITY_SLOTS
// activities and as many workflow tasks at once, and every downstream call takes 100 ms. One worker can
// then complete at most slots / (4 × 0.1 s) orders per second (three steps and the payment check before
// shipping), whatever the server could do; more workers
// should add as much again. (On the dev server, 2 workers ÷ 1 stays near 1: the server on 2 cores is the limit.)
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { orderCompleted, orderRequest, startOrderAsApi } from './lib/orders';
import { fmt, fmtAgainst, round, roundAgainst, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startBatonWorker, startSagaStage, stopAll } from './lib/stack';

export const SCALING_TARGETS = { two: 1.8, four: 3 } as const;
const meetsTwo = (ratio: number) => ratio >= SCALING_TARGETS.two;
const meetsFour = (ratio: number) => ratio >= SCALING_TARGETS.four;
const STEP_LATENCY_MS = 100;
/** A card order's calls: authorize, reserve, the payment's record, ship. */
const CALLS = 4;
const WORKER_COUNTS = [1, 2, 4] as const;

export interface WorkerScalingJson {
  activitySlotsPerWorker: number;
  workflowTaskSlotsPerWorker: number;
  stepLatencyMs: number;
  /** The most one worker can complete: slots / (calls × latency). */
  ceilingPerWorker: number;
  concurrency: number;
  ordersPerSecond: Record<string, number | null>;
  twoOverOne: number | null;
  fourOverOne: number | null;
  rounds: Record<string, ClosedLoopResult>;
  targets: typeof SCALING_TARGETS;
}

export async function workerScalingBenchmark({ quick }: BenchOptions): Promise<BenchOutcome<WorkerScalingJson>> {
  const slots = Number(process.env.BENCH_SCALING_ACTIVITY_SLOTS ?? 1);
  const ceilingPerWorker = slots / (CALLS * (STEP_LATENCY_MS / 1000));
  // Enough orders in flight to keep four workers' slots busy, few enough that the server is never the queue.
  const concurrency = Number(process.env.BENCH_SCALING_CONCURRENCY ?? 32);
  const rampMs = quick ? 3000 : 6000;
  const roundMs = quick ? 6000 : 20_000;
  const queue = 'bench-worker-scaling';
  const { temporal, urls, parts } = await startSagaStage(STEP_LATENCY_MS, 'cluster');
  const workerEnv = {
    BATON_MAX_CONCURRENT_ACTIVITIES: String(slots),
    BATON_MAX_CONCURRENT_WORKFLOW_TASKS: String(Math.max(2, slots)),
  };
  try {
    let n = 0;
    const send = async () => {
      const order = orderRequest('scale', n++);
      await startOrderAsApi(temporal.batonClient, queue, order);
      return orderCompleted(temporal.batonClient, order.orderId);
    };
    const rounds: Record<string, ClosedLoopResult> = {};
    // A warm-up on one worker, not counted: a new cluster settles its shards and caches, a new worker its JIT.
    parts.push(await startBatonWorker(temporal, queue, urls, workerEnv));
    await closedLoop(send, concurrency, quick ? 3000 : 8000, 0, 30_000);
    let running = 1;
    for (const workers of WORKER_COUNTS) {
      const started = await Promise.all(Array.from({ length: workers - running }, () => startBatonWorker(temporal, queue, urls, workerEnv)));
      parts.push(...started);
      running = workers;
      const result = await closedLoop(send, concurrency, roundMs, rampMs);
      rounds[String(workers)] = result;
      console.log(
        `  ${workers} worker process(es): ${fmt(result.throughput, 1)} completed orders/s (${result.failed} failed; ceiling ${fmt(ceilingPerWorker * workers, 1)})`,
      );
    }
    const perSecond = (w: number) => rounds[String(w)]?.throughput ?? NaN;
    const twoOverOne = roundAgainst(perSecond(2) / perSecond(1), meetsTwo);
    const fourOverOne = roundAgainst(perSecond(4) / perSecond(1), meetsFour);
    return {
      json: {
        activitySlotsPerWorker: slots,
        workflowTaskSlotsPerWorker: Math.max(2, slots),
        stepLatencyMs: STEP_LATENCY_MS,
        ceilingPerWorker: round(ceilingPerWorker, 2) ?? 0,
        concurrency,
        ordersPerSecond: Object.fromEntries(WORKER_COUNTS.map((w) => [String(w), round(perSecond(w), 2)])),
        twoOverOne,
        fourOverOne,
        rounds,
        targets: SCALING_TARGETS,
      },
      rows: [
        {
          benchmark: 'worker scaling (cluster)',
          figure: `completed orders/s, 1 / 2 / 4 workers (${slots} activity slot(s) each, calls at ${STEP_LATENCY_MS} ms)`,
          baton: WORKER_COUNTS.map((w) => fmt(perSecond(w), 1)).join(' / '),
          baseline: `ceiling ${fmt(ceilingPerWorker, 1)} per worker`,
          result: `2 ÷ 1: ${fmtAgainst(twoOverOne, meetsTwo)} (${verdict(twoOverOne ?? NaN, meetsTwo)}); 4 ÷ 1: ${fmtAgainst(fourOverOne, meetsFour)} (${verdict(fourOverOne ?? NaN, meetsFour)})`,
          target: `≥ ${SCALING_TARGETS.two} / ≥ ${SCALING_TARGETS.four}`,
        },
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
