// `npm run bench:composition`: Baton's GET /profiles/{userId} against a hand-written minimal
// baseline over the same three backends (fixed 20 ms latency each). For each contender: the highest
// constant arrival rate it sustains, then latency at half of Baton's maximum, reported as what it
// adds over the slowest backend. Writes bench/results/composition.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LoadGenerator, type StepResult, type Target } from './composition/load';
import { startChild, type Child } from './composition/processes';
import { BENCH_TOKEN, type BackendUrls } from './composition/shared';

const BACKEND_LATENCY_MS = 20;
const STEP_MS = 2000;
const LATENCY_RUN_MS = 8000;
/** A rate counts as sustained when (almost) every request succeeds and p99 stays under this. */
const SUSTAINED_P99_MS = 5 * BACKEND_LATENCY_MS;
const MAX_FAILURE_RATIO = 0.001;
const TARGETS = { throughputRatio: 0.9, addedP99Ms: 2 };

const sustained = (r: StepResult) => r.failed + r.unfinished <= r.sent * MAX_FAILURE_RATIO && r.p99 <= SUSTAINED_P99_MS;

/** Geometric ramp until a rate is not sustained, then bisection between the last good and first bad rate. */
async function maxThroughput(load: LoadGenerator, log: (r: StepResult) => void) {
  const steps: StepResult[] = [];
  const step = async (rate: number) => {
    const result = await load.run(Math.round(rate), STEP_MS);
    steps.push(result);
    log(result);
    return sustained(result);
  };
  let good = 0;
  let bad = 0;
  for (let rate = 500; ; rate *= 1.5) {
    if (await step(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
    if (rate > 50_000) throw new Error('no saturation found; is the target answering at all?');
  }
  for (let i = 0; i < 4 && good > 0; i++) {
    const mid = (good + bad) / 2;
    if (await step(mid)) good = mid;
    else bad = mid;
  }
  return { maxRate: Math.round(good), steps };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const logStep = (name: string) => (r: StepResult) =>
  console.log(
    `  ${name.padEnd(8)} ${String(r.rate).padStart(6)} req/s offered -> ${fmt(r.throughput, 0).padStart(6)} ok/s, ` +
      `p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} ms, failed ${r.failed + r.unfinished} ${sustained(r) ? 'ok' : 'NOT SUSTAINED'}`,
  );

async function main() {
  const started = performance.now();
  const children: Child<unknown>[] = [];
  const generators: LoadGenerator[] = [];
  try {
    const backends = await startChild<{ urls: BackendUrls }>('./backends.ts', {
      env: { BENCH_BACKEND_LATENCY_MS: String(BACKEND_LATENCY_MS) },
    });
    children.push(backends);
    const env = { BENCH_BACKENDS: JSON.stringify(backends.ready.urls) };
    const baton = await startChild<{ url: string }>('./baton.ts', { env });
    const baseline = await startChild<{ url: string }>('./baseline.ts', { env });
    children.push(baton, baseline);

    const userPath = (i: number) => `/profiles/u-${(i % 1000) + 1}`;
    const targets: Record<'baton' | 'baseline' | 'backend', Target> = {
      baton: { name: 'baton', url: baton.ready.url, path: userPath, headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
      baseline: { name: 'baseline', url: baseline.ready.url, path: userPath },
      // The floor: one backend called directly, with this driver, at the same rate.
      backend: { name: 'backend', url: backends.ready.urls.users, path: (i) => `/users/u-${(i % 1000) + 1}` },
    };
    const load = {
      baton: new LoadGenerator(targets.baton),
      baseline: new LoadGenerator(targets.baseline),
      backend: new LoadGenerator(targets.backend),
    };
    generators.push(...Object.values(load));

    console.log(`composition benchmark: ${cpus().length} CPUs, node ${process.version}, backends at ${BACKEND_LATENCY_MS} ms`);
    console.log('warming up');
    for (const name of ['baton', 'baseline'] as const) await load[name].run(300, 2000);

    console.log('searching for the highest sustained rate (open loop)');
    const search = {
      baton: await maxThroughput(load.baton, logStep('baton')),
      baseline: await maxThroughput(load.baseline, logStep('baseline')),
    };

    const halfRate = Math.max(50, Math.round(search.baton.maxRate / 2));
    console.log(`latency at half of Baton's maximum: ${halfRate} req/s for ${LATENCY_RUN_MS / 1000} s each`);
    const cpuBefore = { baton: baton.cpuSeconds(), baseline: baseline.cpuSeconds() };
    const latency = {
      baton: await load.baton.run(halfRate, LATENCY_RUN_MS),
      baseline: await load.baseline.run(halfRate, LATENCY_RUN_MS),
      backend: await load.backend.run(halfRate, LATENCY_RUN_MS),
    };
    const cpuPerRequestUs = {
      baton: ((baton.cpuSeconds() - cpuBefore.baton) * 1e6) / latency.baton.ok,
      baseline: ((baseline.cpuSeconds() - cpuBefore.baseline) * 1e6) / latency.baseline.ok,
    };

    const added = (r: StepResult) => ({ p50: r.p50 - BACKEND_LATENCY_MS, p99: r.p99 - BACKEND_LATENCY_MS });
    const overFloor = (r: StepResult) => ({ p50: r.p50 - latency.backend.p50, p99: r.p99 - latency.backend.p99 });
    const ratio = search.baton.maxRate / search.baseline.maxRate;
    const summary = {
      maxThroughput: { baton: search.baton.maxRate, baseline: search.baseline.maxRate, ratio },
      halfSaturationRate: halfRate,
      latencyMs: {
        baton: { p50: latency.baton.p50, p99: latency.baton.p99 },
        baseline: { p50: latency.baseline.p50, p99: latency.baseline.p99 },
        backendDirect: { p50: latency.backend.p50, p99: latency.backend.p99 },
      },
      addedOverSlowestBackendMs: { baton: added(latency.baton), baseline: added(latency.baseline) },
      addedOverMeasuredFloorMs: { baton: overFloor(latency.baton), baseline: overFloor(latency.baseline) },
      cpuPerRequestUs,
      targets: {
        ...TARGETS,
        throughputRatioMet: ratio >= TARGETS.throughputRatio,
        addedP99Met: added(latency.baton).p99 <= TARGETS.addedP99Ms,
      },
    };

    console.log('\nresults');
    console.table({
      'max sustained req/s': { baton: search.baton.maxRate, baseline: search.baseline.maxRate, 'baton/baseline': fmt(ratio) },
      'p50 ms @ half': { baton: fmt(latency.baton.p50), baseline: fmt(latency.baseline.p50), 'backend direct': fmt(latency.backend.p50) },
      'p99 ms @ half': { baton: fmt(latency.baton.p99), baseline: fmt(latency.baseline.p99), 'backend direct': fmt(latency.backend.p99) },
      'added p50 ms (over 20 ms)': { baton: fmt(added(latency.baton).p50), baseline: fmt(added(latency.baseline).p50) },
      'added p99 ms (over 20 ms)': { baton: fmt(added(latency.baton).p99), baseline: fmt(added(latency.baseline).p99) },
      'added p99 ms (over floor)': { baton: fmt(overFloor(latency.baton).p99), baseline: fmt(overFloor(latency.baseline).p99) },
      'CPU µs / request': { baton: fmt(cpuPerRequestUs.baton, 0), baseline: fmt(cpuPerRequestUs.baseline, 0) },
    });
    console.log(
      `throughput ratio ${fmt(ratio)} (target >= ${TARGETS.throughputRatio}): ${summary.targets.throughputRatioMet ? 'met' : 'MISSED'}; ` +
        `added p99 ${fmt(added(latency.baton).p99)} ms (target <= ${TARGETS.addedP99Ms}): ${summary.targets.addedP99Met ? 'met' : 'MISSED'}`,
    );

    const out = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const file = `${out}composition.json`;
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
          settings: { backendLatencyMs: BACKEND_LATENCY_MS, stepMs: STEP_MS, latencyRunMs: LATENCY_RUN_MS, sustainedP99Ms: SUSTAINED_P99_MS, maxFailureRatio: MAX_FAILURE_RATIO },
          summary,
          steps: { baton: search.baton.steps, baseline: search.baseline.steps },
          latencyRuns: latency,
          runtimeSeconds: (performance.now() - started) / 1000,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${file} in ${fmt((performance.now() - started) / 1000, 0)} s`);
  } finally {
    await Promise.all(generators.map((g) => g.close()));
    for (const child of children) child.stop();
  }
}

await main();
