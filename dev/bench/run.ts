// `npm run bench`: the whole suite in one run, one benchmark after the other (never two at once: they
// would measure each other). Prints one table and writes dev/bench/results/latest.json plus a
// timestamped copy in dev/bench/results/runs/. Every figure that matters is a ratio against a baseline
// measured in the same run; absolute numbers are context, never asserted.
//   --quick          a short smoke run (same code paths, a fraction of the time): results/partial.json
//   --only a,b       just these benchmarks (composition, starts, saga, sagaThroughput, sagaCosts, worker, fairness, startsCluster,
//                    sagaCluster, sagaThroughputCluster, sagaCostsCluster, workerCluster, fairnessCluster, workerScaling):
//                    results/partial.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compositionBenchmark } from './composition';
import { fairnessBenchmark } from './fairness';
import { footprintBenchmark } from './footprint';
import { machine, printTable, type BenchOptions, type BenchOutcome, type Row } from './lib/report';
import { sagaCostsBenchmark } from './saga-costs';
import { sagaLatencyBenchmark } from './saga-latency';
import { sagaThroughputBenchmark } from './saga-throughput';
import { startsBenchmark } from './starts';
import { workerScalingBenchmark } from './worker-scaling';

/** The same benchmark on the real Temporal cluster, its rows marked as such. */
const onCluster =
  <T>(run: (o: BenchOptions, server: 'cluster') => Promise<BenchOutcome<T>>) =>
  async (o: BenchOptions): Promise<BenchOutcome<T>> => {
    const outcome = await run(o, 'cluster');
    return { ...outcome, rows: outcome.rows.map((row) => ({ ...row, benchmark: `${row.benchmark} (cluster)` })) };
  };

/** Keyed as in latest.json. */
const BENCHMARKS: Record<string, { title: string; run: (o: BenchOptions) => Promise<BenchOutcome<unknown>> }> = {
  composition: { title: 'composition: GET /profiles vs node:http + undici', run: compositionBenchmark },
  starts: { title: 'starts: POST /orders vs client.workflow.start', run: startsBenchmark },
  saga: { title: 'saga latency: card order, 3 calls at 10 ms', run: sagaLatencyBenchmark },
  sagaThroughput: { title: 'saga throughput: order workflow vs raw-SDK workflow', run: sagaThroughputBenchmark },
  sagaCosts: { title: "saga costs: each of Baton's features switched off, same run", run: sagaCostsBenchmark },
  worker: { title: 'worker footprint: RSS per cached workflow', run: footprintBenchmark },
  fairness: { title: "fairness: one customer's order during another's burst, with and without fair dispatch", run: fairnessBenchmark },
  // The same durable-path benchmarks on a real Temporal cluster (dev/temporal/temporal-cluster.ts), and workers scaling on it.
  startsCluster: { title: 'starts on the Temporal cluster (PostgreSQL, one process per role)', run: onCluster(startsBenchmark) },
  sagaCluster: { title: 'saga latency on the Temporal cluster', run: onCluster(sagaLatencyBenchmark) },
  sagaThroughputCluster: { title: 'saga throughput on the Temporal cluster', run: onCluster(sagaThroughputBenchmark) },
  sagaCostsCluster: { title: 'saga costs on the Temporal cluster', run: onCluster(sagaCostsBenchmark) },
  workerCluster: { title: 'worker footprint on the Temporal cluster', run: onCluster(footprintBenchmark) },
  fairnessCluster: { title: "fairness on the Temporal cluster: one customer's order during another's burst", run: onCluster(fairnessBenchmark) },
  workerScaling: { title: 'worker scaling on the Temporal cluster: 1, 2, 4 worker processes, the worker the bottleneck', run: workerScalingBenchmark },
};

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const only = values.only?.split(',').map((s) => s.trim()) ?? Object.keys(BENCHMARKS);
const unknown = only.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const quick = values.quick ?? false;
const full = !quick && only.length === Object.keys(BENCHMARKS).length;

const started = performance.now();
const at = new Date().toISOString();
const report: Record<string, unknown> = { at, machine: machine(), quick, benchmarks: only };
const rows: Row[] = [];
const failures: string[] = [];
console.log(`baton benchmarks${quick ? ' (quick)' : ''}: ${JSON.stringify(report.machine)}`);
for (const name of only) {
  const bench = BENCHMARKS[name]!;
  console.log(`\n${bench.title}`);
  const t0 = performance.now();
  try {
    const outcome = await bench.run({ quick });
    report[name] = outcome.json;
    rows.push(...outcome.rows);
  } catch (err) {
    // One broken benchmark must not cost the others' numbers.
    failures.push(name);
    report[name] = { error: err instanceof Error ? err.message : String(err) };
    console.error(`  ${name} failed:`, err);
  }
  console.log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
report.runtimeSeconds = Math.round((performance.now() - started) / 1000);

console.log('');
printTable(rows);
const dir = fileURLToPath(new URL('./results/', import.meta.url));
const files = full ? [`${dir}latest.json`, `${dir}runs/${at.replace(/[:.]/g, '-')}.json`] : [`${dir}partial.json`];
mkdirSync(`${dir}runs`, { recursive: true });
for (const file of files) writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${files.join(', ')} in ${String(report.runtimeSeconds)} s${failures.length ? `; FAILED: ${failures.join(', ')}` : ''}`);
// Clients and pools of the benchmarks are closed; anything left (a stray timer) must not hold the run.
process.exit(failures.length ? 1 : 0);
