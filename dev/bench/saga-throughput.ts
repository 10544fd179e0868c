// Saga throughput: completed card orders per second, Baton's order workflow (worker/main.ts) against
// the raw-SDK baseline (bench/raw-saga: the same three calls, nothing else), on the same dev server
// and sample services (10 ms per call), with one and then two worker processes of each. The driver
// keeps the same number of orders in flight for both (start, wait for the end, start the next), and
// the two take turns round after round. Orders are started by the driver with POST /orders' own
// start options, so the API's cost (the starts benchmark) stays out of this one. Beside the ratio, what
// an order costs each process in CPU (workers, server, services, driver): where a side's order goes.
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { orderCompleted, orderRequest, runRawOrder, startOrderAsApi } from './lib/orders';
import { fmt, round, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { ownCpuSeconds, type Child } from './lib/children';
import { startBatonWorker, startRawWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';
import { STEP_LATENCY_MS } from './saga-latency';

export const SAGA_THROUGHPUT_TARGET = 0.9;

type Side = 'baton' | 'baseline';

/** Milliseconds of CPU per completed order, by process, over whole rounds (ramp and drain too). */
export interface CpuPerOrder {
  /** The side's worker processes. */
  workers: number | null;
  /** The Temporal server: the dev server's process, or the cluster's roles and PostgreSQL. */
  server: number | null;
  /** The sample services answering the calls (four for a Baton card order, three for the raw SDK's). */
  services: number | null;
  /** The benchmark process: its SDK client starting the orders and waiting for their results. */
  driver: number | null;
  /** All of the above. */
  machine: number | null;
}

interface PerWorkers {
  batonPerSecond: number | null;
  baselinePerSecond: number | null;
  ratio: number | null;
  rounds: { baton: ClosedLoopResult[]; baseline: ClosedLoopResult[] };
  cpuMsPerOrder: Record<Side, CpuPerOrder>;
  /**
   * How many of the machine's cores each process took while the side ran: its CPU per order times the side's
   * completed orders per second. Whether the server's CPU per order is a cost per history event or its share of a
   * saturated machine shows here (docs/benchmarks.md, "What moves the saga throughput ratio from run to run").
   */
  cores: Record<Side, CpuPerOrder>;
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
  const { temporal, urls, services, parts } = await startSagaStage(STEP_LATENCY_MS, server);
  try {
    let n = 0;
    const finished = { baton: 0, baseline: 0 };
    const send = {
      baton: async () => {
        const order = orderRequest('tp', n++);
        await startOrderAsApi(temporal.batonClient, queues.baton, order);
        return orderCompleted(temporal.batonClient, order.orderId).finally(() => finished.baton++);
      },
      baseline: () => runRawOrder(temporal.client, queues.raw, orderRequest('tp-raw', n++)).finally(() => finished.baseline++),
    };
    const workerProcesses: Record<Side, Child<unknown>[]> = { baton: [], baseline: [] };
    // Which process spends what a side's order costs the machine: on two cores the ratio of throughputs is
    // close to the inverse ratio of these totals once the machine is saturated.
    const snapshot = (c: Side) => ({
      workers: workerProcesses[c].reduce((sum, w) => sum + w.cpuSeconds(), 0),
      server: temporal.cpuSeconds(),
      services: services.cpuSeconds(),
      driver: ownCpuSeconds(),
      orders: finished[c],
    });
    type Snapshot = ReturnType<typeof snapshot>;

    const measure = async (workers: number): Promise<PerWorkers> => {
      console.log(`  ${workers} worker process(es) each, ${concurrency} orders in flight`);
      for (const c of ['baton', 'baseline'] as const) await closedLoop(send[c], concurrency, 2000, rampMs);
      const results = { baton: [] as ClosedLoopResult[], baseline: [] as ClosedLoopResult[] };
      const nothing = (): Snapshot => ({ workers: 0, server: 0, services: 0, driver: 0, orders: 0 });
      const spent = { baton: nothing(), baseline: nothing() };
      for (let r = 0; r < rounds; r++) {
        for (const c of r % 2 === 0 ? (['baton', 'baseline'] as const) : (['baseline', 'baton'] as const)) {
          const before = snapshot(c);
          const result = await closedLoop(send[c], concurrency, roundMs, rampMs);
          const after = snapshot(c);
          for (const k of Object.keys(after) as (keyof Snapshot)[]) spent[c][k] += after[k] - before[k];
          results[c].push(result);
          console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 1)} completed orders/s (${result.failed} failed)`);
        }
      }
      const baton = throughputOf(results.baton);
      const baseline = throughputOf(results.baseline);
      const perOrder = (c: Side): CpuPerOrder => {
        const ms = (seconds: number) => round((seconds * 1000) / spent[c].orders, 2);
        const { workers: w, server, services: sv, driver } = spent[c];
        return { workers: ms(w), server: ms(server), services: ms(sv), driver: ms(driver), machine: ms(w + server + sv + driver) };
      };
      const cpuMsPerOrder = { baton: perOrder('baton'), baseline: perOrder('baseline') };
      const coresOf = (c: Side, perSecond: number): CpuPerOrder => {
        const m = cpuMsPerOrder[c];
        const toCores = (ms: number | null) => (ms === null ? null : round((ms * perSecond) / 1000, 2));
        return {
          workers: toCores(m.workers),
          server: toCores(m.server),
          services: toCores(m.services),
          driver: toCores(m.driver),
          machine: toCores(m.machine),
        };
      };
      const cores = { baton: coresOf('baton', baton), baseline: coresOf('baseline', baseline) };
      for (const c of ['baton', 'baseline'] as const) {
        const m = cpuMsPerOrder[c];
        console.log(
          `    ${c.padEnd(9)} CPU per order: workers ${fmt(m.workers ?? NaN, 2)}, server ${fmt(m.server ?? NaN, 2)}, services ${fmt(m.services ?? NaN, 2)}, driver ${fmt(m.driver ?? NaN, 2)}; machine ${fmt(m.machine ?? NaN, 2)} ms; cores: server ${fmt(cores[c].server ?? NaN, 2)}, machine ${fmt(cores[c].machine ?? NaN, 2)}`,
        );
      }
      return {
        batonPerSecond: round(baton, 1),
        baselinePerSecond: round(baseline, 1),
        ratio: round(baton / baseline, 3),
        rounds: results,
        cpuMsPerOrder,
        cores,
      };
    };

    const startPair = async () => {
      const pair = await Promise.all([startBatonWorker(temporal, queues.baton, urls), startRawWorker(temporal, queues.raw, urls)]);
      workerProcesses.baton.push(pair[0]);
      workerProcesses.baseline.push(pair[1]);
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
