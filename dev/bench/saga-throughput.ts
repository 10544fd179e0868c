// Saga throughput: completed card orders per second, Baton's order workflow (worker/main.ts) against
// the raw-SDK baseline (bench/raw-saga: the same three calls, nothing else), on the same dev server
// and sample services (10 ms per call), with one and then two worker processes of each. The driver
// keeps the same number of orders in flight for both (start, wait for the end, start the next), and
// the two take turns round after round. Orders are started by the driver with POST /orders' own
// start options, so the API's cost (the starts benchmark) stays out of this one.
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { orderCompleted, orderRequest, runRawOrder, startOrderDirectly } from './lib/orders';
import { fmt, round, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startBatonWorker, startRawWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';
import { STEP_LATENCY_MS } from './saga-latency';

export const SAGA_THROUGHPUT_TARGET = 0.9;

interface PerWorkers {
  batonPerSecond: number | null;
  baselinePerSecond: number | null;
  ratio: number | null;
  rounds: { baton: ClosedLoopResult[]; baseline: ClosedLoopResult[] };
}

export interface SagaThroughputJson {
  /** Baton ÷ raw SDK, one worker process each. */
  ratio: number | null;
  /** Baton with two worker processes ÷ Baton with one. */
  twoWorkersOverOne: number | null;
  twoWorkersRatio: number | null;
  baselineTwoWorkersOverOne: number | null;
  concurrency: number;
  oneWorker: PerWorkers;
  twoWorkers: PerWorkers;
  target: number;
}

/** On the dev server by default; `cluster` runs the same on a real Temporal cluster (Temporal's server on PostgreSQL). */
export async function sagaThroughputBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<SagaThroughputJson>> {
  const concurrency = 24;
  // Under load one order takes seconds: the ramp lets the pipeline fill before counting.
  const rampMs = quick ? 3000 : 5000;
  const roundMs = quick ? 5000 : 12_000;
  const rounds = quick ? 1 : 2;
  const queues = { baton: 'bench-saga-throughput', raw: 'bench-saga-throughput-raw' };
  const { temporal, urls, parts } = await startSagaStage(STEP_LATENCY_MS, server);
  try {
    let n = 0;
    const send = {
      baton: async () => {
        const order = orderRequest('tp', n++);
        await startOrderDirectly(temporal.batonClient, queues.baton, order);
        return orderCompleted(temporal.batonClient, order.orderId);
      },
      baseline: () => runRawOrder(temporal.client, queues.raw, orderRequest('tp-raw', n++)),
    };

    const measure = async (workers: number): Promise<PerWorkers> => {
      console.log(`  ${workers} worker process(es) each, ${concurrency} orders in flight`);
      for (const c of ['baton', 'baseline'] as const) await closedLoop(send[c], concurrency, 2000, rampMs);
      const results = { baton: [] as ClosedLoopResult[], baseline: [] as ClosedLoopResult[] };
      for (let r = 0; r < rounds; r++) {
        for (const c of r % 2 === 0 ? (['baton', 'baseline'] as const) : (['baseline', 'baton'] as const)) {
          const result = await closedLoop(send[c], concurrency, roundMs, rampMs);
          results[c].push(result);
          console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 1)} completed orders/s (${result.failed} failed)`);
        }
      }
      const baton = throughputOf(results.baton);
      const baseline = throughputOf(results.baseline);
      return { batonPerSecond: round(baton, 1), baselinePerSecond: round(baseline, 1), ratio: round(baton / baseline, 3), rounds: results };
    };

    const startPair = async () => {
      const pair = await Promise.all([startBatonWorker(temporal, queues.baton, urls), startRawWorker(temporal, queues.raw, urls)]);
      parts.push(...pair);
    };
    await startPair();
    const one = await measure(1);
    await startPair();
    const two = await measure(2);

    const over = (a: number | null, b: number | null) => (a !== null && b !== null ? round(a / b, 3) : null);
    const twoOverOne = over(two.batonPerSecond, one.batonPerSecond);
    return {
      json: {
        ratio: one.ratio,
        twoWorkersOverOne: twoOverOne,
        twoWorkersRatio: two.ratio,
        baselineTwoWorkersOverOne: over(two.baselinePerSecond, one.baselinePerSecond),
        concurrency,
        oneWorker: one,
        twoWorkers: two,
        target: SAGA_THROUGHPUT_TARGET,
      },
      rows: [
        {
          benchmark: 'saga throughput',
          figure: 'completed orders/s, 1 worker',
          baton: fmt(one.batonPerSecond ?? NaN, 1),
          baseline: `${fmt(one.baselinePerSecond ?? NaN, 1)} (raw SDK)`,
          result: `ratio ${fmt(one.ratio ?? NaN)}: ${verdict(one.ratio ?? NaN, (v) => v >= SAGA_THROUGHPUT_TARGET)}`,
          target: `≥ ${SAGA_THROUGHPUT_TARGET}`,
        },
        {
          benchmark: 'saga throughput',
          figure: 'completed orders/s, 2 workers',
          baton: fmt(two.batonPerSecond ?? NaN, 1),
          baseline: `${fmt(two.baselinePerSecond ?? NaN, 1)} (raw SDK)`,
          result: `ratio ${fmt(two.ratio ?? NaN)}; 2 ÷ 1 workers ${fmt(twoOverOne ?? NaN)}`,
          target: '',
        },
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
