// Starts: POST /orders to its 202 against the raw `client.workflow.start` of the same order workflow
// (same input, ID policy and search attributes), at the same concurrency against the same dev server.
// No worker polls the queue, so only the start path is measured: Baton's HTTP, auth, validation and
// input building on top of what the SDK call costs. The two take turns, round after round.
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { apiClient, orderRequest, startOrderDirectly } from './lib/orders';
import { fmt, round, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startApi, startTemporal, stopAll } from './lib/stack';

export const STARTS_TARGET = 0.95;

export interface StartsJson {
  throughputRatio: number | null;
  concurrency: number;
  batonPerSecond: number | null;
  baselinePerSecond: number | null;
  rounds: { baton: ClosedLoopResult[]; baseline: ClosedLoopResult[] };
  target: number;
}

export async function startsBenchmark({ quick }: BenchOptions): Promise<BenchOutcome<StartsJson>> {
  const concurrency = 16;
  const roundMs = quick ? 3000 : 8000;
  const rounds = quick ? 1 : 3;
  const taskQueue = 'bench-starts-unpolled';
  const temporal = await startTemporal();
  const parts: { stop(): Promise<void> }[] = [temporal];
  try {
    const api = await startApi(temporal, taskQueue);
    parts.push(api);
    const http = apiClient(api.url);
    parts.push({ stop: () => http.close() });
    let n = 0;
    const send = {
      baton: async () => (await http.post(orderRequest('start-api', n++))).status === 202,
      baseline: async () => {
        await startOrderDirectly(temporal.client, taskQueue, orderRequest('start-raw', n++));
        return true;
      },
    };
    console.log('  warming up');
    for (const c of ['baton', 'baseline'] as const) await closedLoop(send[c], concurrency, 2000, 0, 10_000);
    const results = { baton: [] as ClosedLoopResult[], baseline: [] as ClosedLoopResult[] };
    for (let r = 0; r < rounds; r++) {
      for (const c of r % 2 === 0 ? (['baton', 'baseline'] as const) : (['baseline', 'baton'] as const)) {
        const result = await closedLoop(send[c], concurrency, roundMs, 500);
        results[c].push(result);
        console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0)} starts/s at concurrency ${concurrency} (${result.failed} failed)`);
      }
    }
    const baton = throughputOf(results.baton);
    const baseline = throughputOf(results.baseline);
    const ratio = baton / baseline;
    return {
      json: {
        throughputRatio: round(ratio, 3),
        concurrency,
        batonPerSecond: round(baton, 1),
        baselinePerSecond: round(baseline, 1),
        rounds: results,
        target: STARTS_TARGET,
      },
      rows: [
        {
          benchmark: 'starts',
          figure: `starts/s at concurrency ${concurrency}`,
          baton: fmt(baton, 0),
          baseline: fmt(baseline, 0),
          result: `ratio ${fmt(ratio)}: ${verdict(ratio, (v) => v >= STARTS_TARGET)}`,
          target: `≥ ${STARTS_TARGET}`,
        },
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
