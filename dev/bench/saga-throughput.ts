// Saga throughput: completed card orders per second, Baton's order workflow (worker/main.ts) against
// the raw-SDK baseline (bench/raw-saga: the same three calls, nothing else), on the same Temporal server
// and sample services (10 ms per call), with one and then two worker processes of each. The driver
// keeps the same number of orders in flight for both (start, wait for the end, start the next), and
// the two strictly alternate, round after round (lib/turns.ts). The one-worker rounds run on two fresh
// servers in turn, each side going first on one: two servers of one run read a few hundredths apart
// (docs/benchmark-journal.md), and each server's ratio is reported beside the pooled one. Orders are
// started by the driver with POST /orders' own start options, so the API's cost (the starts benchmark)
// stays out of this one. Beside the ratio, what an order costs each process in CPU (workers, server,
// services, driver): where a side's order goes.
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { orderCompleted, orderRequest, runRawOrder, startOrderAsApi } from './lib/orders';
import { fmt, fmtAgainst, round, roundAgainst, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import type { Child } from './lib/children';
import { startBatonWorker, startRawWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';
import { countingCpu, machineCpuSeconds, noCpu, sumCpu, type MachineCpu } from './lib/machine-cpu';
import { estimateOfPairs, formatEstimate, perPair, roundedEstimate, type PairsEstimate } from './lib/pairs';
import { alternatingTurns, type Turn } from './lib/turns';
import { STEP_LATENCY_MS } from './saga-latency';

export const SAGA_THROUGHPUT_TARGET = 0.9;
const meetsTarget = (ratio: number) => ratio >= SAGA_THROUGHPUT_TARGET;

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
  /**
   * Baton's round ÷ the raw SDK's round next to it, pair by pair, with the standard error and 95% interval of their
   * mean: how far the pooled ratio may be from what more rounds would read, the machine's speed moving between pairs left out.
   */
  pairRatio: PairsEstimate | null;
  rounds: { baton: ClosedLoopResult[]; baseline: ClosedLoopResult[] };
  cpuMsPerOrder: Record<Side, CpuPerOrder>;
  /**
   * How many of the machine's cores each process took while the side ran: its CPU per order times the side's
   * completed orders per second. Whether the server's CPU per order is a cost per history event or its share of a
   * saturated machine shows here (docs/benchmark-journal.md, "What moves the saga throughput ratio from run to run").
   */
  cores: Record<Side, CpuPerOrder>;
}

/** One server's one-worker rounds, and the side whose round came first there. */
export type ServerRounds = Pick<PerWorkers, 'batonPerSecond' | 'baselinePerSecond' | 'ratio'> & { first: Side };

export interface SagaThroughputJson {
  /** Baton ÷ raw SDK, one worker process each, over every server's rounds. */
  ratio: number | null;
  /** Baton with two worker processes ÷ Baton with one, on the first server. */
  twoWorkersOverOne: number | null;
  twoWorkersRatio: number | null;
  baselineTwoWorkersOverOne: number | null;
  concurrency: number;
  /** Each side's counted rounds per server, their length and the ramp before each (not counted). */
  roundsEach: number;
  roundMs: number;
  rampMs: number;
  /** One worker each, every server's rounds pooled. */
  oneWorker: PerWorkers;
  /** One worker each, server by server. */
  servers: ServerRounds[];
  /** Two workers each, on the first server. */
  twoWorkers: PerWorkers;
  target: number;
}

interface Measured {
  results: Record<Side, ClosedLoopResult[]>;
  spent: Record<Side, MachineCpu>;
  /** Every order the side's rounds finished, ramp and drain included: what its CPU divides by. */
  orders: Record<Side, number>;
}

/** Throughput, ratio and CPU per order of rounds measured on one server or several. */
function summarise(measured: Measured[]): PerWorkers {
  const results = {
    baton: measured.flatMap((m) => m.results.baton),
    baseline: measured.flatMap((m) => m.results.baseline),
  };
  const baton = throughputOf(results.baton);
  const baseline = throughputOf(results.baseline);
  const perOrder = (c: Side): CpuPerOrder => {
    const spent = sumCpu(measured.map((m) => m.spent[c]));
    const orders = measured.reduce((n, m) => n + m.orders[c], 0);
    const ms = (seconds: number) => round((seconds * 1000) / orders, 2);
    return {
      workers: ms(spent.workers),
      server: ms(spent.server),
      services: ms(spent.services),
      driver: ms(spent.driver),
      machine: ms(machineCpuSeconds(spent)),
    };
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
  // Each server's rounds strictly alternate, so its n-th rounds of each side ran next to each other.
  const throughputs = (rounds: ClosedLoopResult[]) => rounds.map((r) => r.throughput);
  const pairRatios = measured.flatMap((m) => perPair(throughputs(m.results.baton), throughputs(m.results.baseline), (a, b) => a / b));
  return {
    batonPerSecond: round(baton, 1),
    baselinePerSecond: round(baseline, 1),
    ratio: roundAgainst(baton / baseline, meetsTarget),
    pairRatio: roundedEstimate(estimateOfPairs(pairRatios), 3),
    rounds: results,
    cpuMsPerOrder,
    cores,
  };
}

function printCpu(summary: PerWorkers) {
  for (const c of ['baton', 'baseline'] as const) {
    const m = summary.cpuMsPerOrder[c];
    const cores = summary.cores[c];
    console.log(
      `    ${c.padEnd(9)} CPU per order: workers ${fmt(m.workers ?? NaN, 2)}, server ${fmt(m.server ?? NaN, 2)}, services ${fmt(m.services ?? NaN, 2)}, driver ${fmt(m.driver ?? NaN, 2)}; machine ${fmt(m.machine ?? NaN, 2)} ms; cores: server ${fmt(cores.server ?? NaN, 2)}, machine ${fmt(cores.machine ?? NaN, 2)}`,
    );
  }
}

/** On the dev server by default; `cluster` runs the same on a real Temporal cluster (Temporal's server on PostgreSQL). */
export async function sagaThroughputBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<SagaThroughputJson>> {
  const concurrency = 24;
  // Under load one order takes about a second: the ramp lets the pipeline fill before counting.
  const rampMs = 3000;
  const roundMs = quick ? 5000 : 6000;
  const roundsEach = quick ? 1 : 5;
  const servers = quick ? 1 : 2;
  const queues = { baton: 'bench-saga-throughput', raw: 'bench-saga-throughput-raw' };
  const schedule = alternatingTurns<Side>(['baton', 'baseline'], servers, roundsEach);

  /** One server: its one-worker rounds, and on the first server its two-worker rounds too. */
  const onServer = async (turns: Turn<Side>[], withTwoWorkers: boolean): Promise<{ one: Measured; two?: Measured }> => {
    const stage = await startSagaStage(STEP_LATENCY_MS, server);
    const { temporal, urls, parts } = stage;
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

      const measure = async (workers: number): Promise<Measured> => {
        console.log(`    ${workers} worker process(es) each, ${concurrency} orders in flight, ${roundsEach} x ${roundMs / 1000} s each, in turns`);
        const results: Measured['results'] = { baton: [], baseline: [] };
        // Which process spends what a side's order costs the machine: on two cores the ratio of throughputs is
        // close to the inverse ratio of these totals once the machine is saturated.
        const spent = { baton: noCpu(), baseline: noCpu() };
        const orders = { baton: 0, baseline: 0 };
        for (const { side, warmUp } of turns) {
          if (warmUp) {
            await closedLoop(send[side], concurrency, 2000, rampMs);
            continue;
          }
          const finishedBefore = finished[side];
          const result = await countingCpu(stage, { workers: workerProcesses[side] }, spent[side], () => closedLoop(send[side], concurrency, roundMs, rampMs));
          orders[side] += finished[side] - finishedBefore;
          results[side].push(result);
          console.log(`      ${side.padEnd(9)} ${fmt(result.throughput, 1)} completed orders/s (${result.failed} failed)`);
        }
        return { results, spent, orders };
      };

      const startPair = async () => {
        const pair = await Promise.all([startBatonWorker(temporal, queues.baton, urls), startRawWorker(temporal, queues.raw, urls)]);
        workerProcesses.baton.push(pair[0]);
        workerProcesses.baseline.push(pair[1]);
        parts.push(...pair);
      };
      await startPair();
      const one = await measure(1);
      if (!withTwoWorkers) return { one };
      await startPair();
      return { one, two: await measure(2) };
    } finally {
      await stopAll(parts);
    }
  };

  const oneWorker: Measured[] = [];
  const perServer: ServerRounds[] = [];
  let twoWorkers: Measured | undefined;
  for (const [i, turns] of schedule.entries()) {
    const first = turns[0]!.side;
    console.log(`  server ${i + 1} of ${servers}, ${first} first`);
    const { one, two } = await onServer(turns, i === 0);
    const { batonPerSecond, baselinePerSecond, ratio } = summarise([one]);
    console.log(`    ratio on this server, one worker each: ${fmtAgainst(ratio, meetsTarget)}`);
    oneWorker.push(one);
    perServer.push({ first, batonPerSecond, baselinePerSecond, ratio });
    twoWorkers ??= two;
  }
  if (!twoWorkers) throw new Error('the first server ran no two-worker rounds');
  const one = summarise(oneWorker);
  const two = summarise([twoWorkers]);
  const firstServer = perServer[0]!;
  console.log(
    `  one worker each, every server's rounds together: ratio ${fmtAgainst(one.ratio, meetsTarget)}; pair by pair ${formatEstimate(one.pairRatio, 3)}`,
  );
  printCpu(one);
  console.log('  two workers each, first server');
  printCpu(two);

  const over = (a: number | null, b: number | null) => (a !== null && b !== null ? round(a / b, 3) : null);
  // Two workers against one on the same server: the second server's state has no part in it.
  const twoOverOne = over(two.batonPerSecond, firstServer.batonPerSecond);
  const byServer = perServer.length > 1 ? ` (servers: ${perServer.map((p) => fmtAgainst(p.ratio, meetsTarget)).join(', ')})` : '';
  return {
    json: {
      ratio: one.ratio,
      twoWorkersOverOne: twoOverOne,
      twoWorkersRatio: two.ratio,
      baselineTwoWorkersOverOne: over(two.baselinePerSecond, firstServer.baselinePerSecond),
      concurrency,
      roundsEach,
      roundMs,
      rampMs,
      oneWorker: one,
      servers: perServer,
      twoWorkers: two,
      target: SAGA_THROUGHPUT_TARGET,
    },
    rows: [
      {
        benchmark: 'saga throughput',
        figure: `completed orders/s, 1 worker${servers > 1 ? `, ${servers} servers` : ''}`,
        baton: fmt(one.batonPerSecond ?? NaN, 1),
        baseline: `${fmt(one.baselinePerSecond ?? NaN, 1)} (raw SDK)`,
        result: `ratio ${fmtAgainst(one.ratio, meetsTarget)}${byServer}, pair by pair ${formatEstimate(one.pairRatio, 3)}: ${verdict(one.ratio ?? NaN, meetsTarget)}`,
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
}
