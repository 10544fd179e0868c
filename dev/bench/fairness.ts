// Fairness between customers: one customer sends a burst of orders at once, and a single order of
// another customer is timed from POST /orders to `completed` while the burst runs, against the same
// order on the idle system. Run twice in turn on two dev servers that differ only in
// `matching.enableFairness` (tasks carry the customer as fairness key either way: contracts/order.ts),
// so the figure with fairness stands beside the one without it.
import { DEFAULT_DYNAMIC_CONFIG } from '../temporal/dev-server';
import { apiClient, orderCompleted, orderRequest } from './lib/orders';
import { fmt, round, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startApi, startBatonWorker, startSagaStage, stopAll } from './lib/stack';

const STEP_LATENCY_MS = 10;
export const FAIRNESS_TARGET = 1.5;

export interface FairnessRun {
  /** The quiet customer's order on the idle system, p50 of several, ms. */
  unloadedMs: number | null;
  /** The same order placed just after the burst, each round, ms. */
  loadedMs: (number | null)[];
  loadedMsMedian: number | null;
  /** loadedMsMedian / unloadedMs: the goal is ≤ 1.5 with fairness. */
  ratio: number | null;
  /** How long the whole burst took to complete, per round, ms. */
  burstMs: (number | null)[];
}

export interface FairnessJson {
  burst: number;
  rounds: number;
  stepLatencyMs: number;
  withFairness: FairnessRun;
  withoutFairness: FairnessRun;
  target: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

async function measure(fair: boolean, burst: number, rounds: number, tag: string): Promise<FairnessRun> {
  const queue = `bench-fairness-${tag}`;
  const { temporal, urls, parts } = await startSagaStage(STEP_LATENCY_MS, 'dev', { ...DEFAULT_DYNAMIC_CONFIG, 'matching.enableFairness': fair });
  try {
    const [api, worker] = await Promise.all([startApi(temporal, queue, urls), startBatonWorker(temporal, queue, urls)]);
    parts.push(api, worker);
    const http = apiClient(api.url);
    parts.push({ stop: () => http.close() });
    let seq = 0;
    /** POST /orders then wait for the run's result: ms, or null when it did not complete. */
    const timed = async (customerId: string): Promise<number | null> => {
      const order = { ...orderRequest(`fair-${tag}`, seq++), customerId };
      const t0 = performance.now();
      const { status } = await http.post(order);
      const ok = status === 202 && (await orderCompleted(temporal.batonClient, order.orderId));
      return ok ? performance.now() - t0 : null;
    };

    for (let i = 0; i < 5; i++) await timed('cus-warmup');
    const quiet: number[] = [];
    for (let i = 0; i < 9; i++) {
      const ms = await timed('cus-quiet');
      if (ms !== null) quiet.push(ms);
    }
    const unloaded = median(quiet);

    const loaded: (number | null)[] = [];
    const burstMs: (number | null)[] = [];
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      // The burst goes out as fast as the API takes it (64 requests in flight), the quiet order right after.
      const burstDone: Promise<boolean>[] = [];
      const starts: Promise<void>[] = [];
      let next = 0;
      for (let lane = 0; lane < 64; lane++) {
        starts.push(
          (async () => {
            while (next < burst) {
              next++;
              const order = { ...orderRequest(`burst-${tag}-${round}`, seq++), customerId: 'cus-burst' };
              const { status } = await http.post(order);
              burstDone.push(status === 202 ? orderCompleted(temporal.batonClient, order.orderId) : Promise.resolve(false));
            }
          })(),
        );
      }
      await Promise.all(starts);
      const quietMs = await timed('cus-quiet');
      const done = await Promise.all(burstDone);
      loaded.push(quietMs);
      burstMs.push(done.every(Boolean) ? performance.now() - t0 : null);
      console.log(
        `    round ${round + 1}: quiet order ${fmt(quietMs ?? NaN, 0)} ms during the burst (idle: ${fmt(unloaded, 0)} ms); burst of ${burst} took ${fmt((performance.now() - t0) / 1000, 1)} s`,
      );
    }
    const finished = loaded.filter((x): x is number => x !== null);
    const loadedMedian = finished.length === loaded.length ? median(finished) : NaN;
    return {
      unloadedMs: round(unloaded),
      loadedMs: loaded.map((x) => (x === null ? null : round(x))),
      loadedMsMedian: round(loadedMedian),
      ratio: round(loadedMedian / unloaded),
      burstMs: burstMs.map((x) => (x === null ? null : round(x))),
    };
  } finally {
    await stopAll(parts);
  }
}

export async function fairnessBenchmark({ quick }: BenchOptions): Promise<BenchOutcome<FairnessJson>> {
  const burst = quick ? 60 : 300;
  const rounds = quick ? 1 : 3;
  console.log(`  with fairness (matching.enableFairness on), a burst of ${burst} orders from one customer, ${rounds} rounds`);
  const withFairness = await measure(true, burst, rounds, 'on');
  console.log('  without fairness (matching.enableFairness off)');
  const withoutFairness = await measure(false, burst, rounds, 'off');
  const row = (label: string, r: FairnessRun, target: boolean) => ({
    benchmark: 'fairness',
    figure: `another customer's order during a burst of ${burst}, ${label}`,
    baton: `${fmt(r.loadedMsMedian ?? NaN, 0)} ms (${fmt(r.ratio ?? NaN)}x)`,
    baseline: `${fmt(r.unloadedMs ?? NaN, 0)} ms idle`,
    result: target ? verdict(r.ratio ?? NaN, (v) => v <= FAIRNESS_TARGET) : '',
    target: target ? `≤ ${FAIRNESS_TARGET}x idle` : '',
  });
  return {
    json: { burst, rounds, stepLatencyMs: STEP_LATENCY_MS, withFairness, withoutFairness, target: FAIRNESS_TARGET },
    rows: [row('with fairness', withFairness, true), row('without fairness', withoutFairness, false)],
  };
}
