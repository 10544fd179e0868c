// `npm run bench:composition`: Baton's GET /profiles/{userId} against a hand-written minimal
// baseline (node:http + undici fan-out + merge) over the same three backends, each answering after
// a fixed 20 ms. Open loop at constant arrival rates: first the highest rate each one sustains,
// then latency at half of Baton's maximum, as added over the slowest backend. The machine may be
// shared, so the two contenders take turns at every step rather than running one after the other.
// Writes bench/results/composition.json. BENCH_BATON=route-only serves the profile router without
// the app's global middleware, to tell the toolkit's cost from the rest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { httpTarget, mergeSamples, OpenLoop, percentile, slowestOf, type Samples, type StepResult } from './composition/load';
import { startChild, type Child } from './composition/processes';
import { BENCH_TOKEN, type BackendUrls } from './composition/shared';

const BACKEND_LATENCY_MS = 20;
const STEP_MS = 2000;
const LATENCY_SLICE_MS = 4000;
const LATENCY_SLICES = 2;
/** A rate is sustained when (almost) every request succeeds and the queue does not build up. */
const SUSTAINED_P90_MS = 5 * BACKEND_LATENCY_MS;
const MAX_FAILURE_RATIO = 0.001;
const TARGETS = { throughputRatio: 0.9, addedP99Ms: 2 };

type Contender = 'baton' | 'baseline';
const CONTENDERS: Contender[] = ['baton', 'baseline'];

const sustained = (r: StepResult) => r.failed + r.unfinished <= r.sent * MAX_FAILURE_RATIO && r.p90 <= SUSTAINED_P90_MS;
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function logStep(name: string, r: StepResult) {
  console.log(
    `  ${name.padEnd(8)} ${String(r.rate).padStart(6)} req/s offered -> ${fmt(r.throughput, 0).padStart(6)} ok/s, ` +
      `p50 ${fmt(r.p50)} p90 ${fmt(r.p90)} p99 ${fmt(r.p99)} ms, failed ${r.failed + r.unfinished} ${sustained(r) ? 'ok' : 'NOT SUSTAINED'}`,
  );
}

/** Geometric ramp, then bisection between the last sustained and the first unsustained rate; the contenders alternate. */
async function maxThroughput(loops: Record<Contender, OpenLoop>) {
  const state = Object.fromEntries(CONTENDERS.map((c) => [c, { good: 0, bad: 0, steps: [] as StepResult[] }])) as Record<
    Contender,
    { good: number; bad: number; steps: StepResult[] }
  >;
  const step = async (c: Contender, rate: number) => {
    const result = await loops[c].run(Math.round(rate), STEP_MS);
    state[c].steps.push(result);
    logStep(c, result);
    if (sustained(result)) state[c].good = rate;
    else state[c].bad = rate;
  };
  const order = (round: number) => (round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse());
  for (let round = 0, rate = 400; CONTENDERS.some((c) => state[c].bad === 0); round++, rate *= 1.5) {
    if (rate > 50_000) throw new Error('no saturation found; is the target answering at all?');
    for (const c of order(round)) if (state[c].bad === 0) await step(c, rate);
  }
  for (let round = 0; round < 4; round++) {
    for (const c of order(round)) await step(c, (state[c].good + state[c].bad) / 2);
  }
  return state;
}

async function main() {
  const started = performance.now();
  const children: Child<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const backends = await startChild<{ urls: BackendUrls }>('./backends.ts', {
      env: { BENCH_BACKEND_LATENCY_MS: String(BACKEND_LATENCY_MS) },
    });
    children.push(backends);
    const env = { BENCH_BACKENDS: JSON.stringify(backends.ready.urls), BENCH_VARIANT: process.env.BENCH_BATON ?? 'app' };
    const sut = {
      baton: await startChild<{ url: string }>('./baton.ts', { env }),
      baseline: await startChild<{ url: string }>('./baseline.ts', { env }),
    };
    children.push(sut.baton, sut.baseline);

    const userPath = (i: number) => `/profiles/u-${(i % 1000) + 1}`;
    const targets = {
      baton: httpTarget(sut.baton.ready.url, userPath, { authorization: `Bearer ${BENCH_TOKEN}` }),
      baseline: httpTarget(sut.baseline.ready.url, userPath),
      // The floor: the three backends called directly by this driver, done when the slowest is.
      slowestBackend: slowestOf([
        httpTarget(backends.ready.urls.users, (i) => `/users/u-${(i % 1000) + 1}`),
        httpTarget(backends.ready.urls.orderHistory, (i) => `/users/u-${(i % 1000) + 1}/orders?limit=10`),
        httpTarget(backends.ready.urls.loyalty, (i) => `/loyalty/u-${(i % 1000) + 1}`),
      ]),
    };
    closers.push(...Object.values(targets).map((t) => () => t.close()));
    const loops = { baton: new OpenLoop(targets.baton), baseline: new OpenLoop(targets.baseline), slowestBackend: new OpenLoop(targets.slowestBackend) };

    console.log(`composition benchmark: ${cpus().length} CPUs, node ${process.version}, backends at ${BACKEND_LATENCY_MS} ms, Baton variant ${env.BENCH_VARIANT}`);
    console.log('warming up');
    for (const c of CONTENDERS) await loops[c].run(300, 2000);
    await loops.slowestBackend.run(300, 1000);

    console.log('searching for the highest sustained rate (open loop, contenders alternate)');
    const search = await maxThroughput(loops);
    const maxRate = { baton: Math.round(search.baton.good), baseline: Math.round(search.baseline.good) };

    const halfRate = Math.max(50, Math.round(maxRate.baton / 2));
    console.log(`latency at half of Baton's maximum: ${halfRate} req/s, ${LATENCY_SLICES} x ${LATENCY_SLICE_MS / 1000} s each, in turns`);
    const samples: Record<Contender | 'slowestBackend', Samples[]> = { baton: [], baseline: [], slowestBackend: [] };
    const cpuSeconds = { baton: 0, baseline: 0 };
    for (let slice = 0; slice < LATENCY_SLICES; slice++) {
      for (const name of ['baton', 'baseline', 'slowestBackend'] as const) {
        const before = name === 'slowestBackend' ? 0 : sut[name].cpuSeconds();
        const { samples: s } = await loops[name].sample(halfRate, LATENCY_SLICE_MS);
        samples[name].push(s);
        if (name !== 'slowestBackend') cpuSeconds[name] += sut[name].cpuSeconds() - before;
      }
    }
    const merged = { baton: mergeSamples(samples.baton), baseline: mergeSamples(samples.baseline), slowestBackend: mergeSamples(samples.slowestBackend) };
    const at = (s: Samples) => ({ p50: percentile(s, 0.5), p99: percentile(s, 0.99), n: s.length });
    const latency = { baton: at(merged.baton), baseline: at(merged.baseline), slowestBackend: at(merged.slowestBackend) };
    const added = (l: { p50: number; p99: number }) => ({ p50: l.p50 - latency.slowestBackend.p50, p99: l.p99 - latency.slowestBackend.p99 });
    const overNominal = (l: { p50: number; p99: number }) => ({ p50: l.p50 - BACKEND_LATENCY_MS, p99: l.p99 - BACKEND_LATENCY_MS });
    const ratio = maxRate.baton / maxRate.baseline;
    const cpuPerRequestUs = {
      baton: (cpuSeconds.baton * 1e6) / latency.baton.n,
      baseline: (cpuSeconds.baseline * 1e6) / latency.baseline.n,
    };
    const summary = {
      maxThroughput: { ...maxRate, ratio },
      halfSaturationRate: halfRate,
      latencyMs: latency,
      addedOverSlowestBackendMs: { baton: added(latency.baton), baseline: added(latency.baseline) },
      addedOverNominal20MsMs: { baton: overNominal(latency.baton), baseline: overNominal(latency.baseline), slowestBackend: overNominal(latency.slowestBackend) },
      cpuPerRequestUs,
      targets: {
        ...TARGETS,
        throughputRatioMet: ratio >= TARGETS.throughputRatio,
        addedP99Met: added(latency.baton).p99 <= TARGETS.addedP99Ms,
      },
    };

    console.log('\nresults');
    console.table({
      'max sustained req/s': { baton: maxRate.baton, baseline: maxRate.baseline, 'slowest backend': '', 'baton/baseline': fmt(ratio) },
      [`p50 ms @ ${halfRate}/s`]: { baton: fmt(latency.baton.p50), baseline: fmt(latency.baseline.p50), 'slowest backend': fmt(latency.slowestBackend.p50) },
      [`p99 ms @ ${halfRate}/s`]: { baton: fmt(latency.baton.p99), baseline: fmt(latency.baseline.p99), 'slowest backend': fmt(latency.slowestBackend.p99) },
      'added p50 ms': { baton: fmt(added(latency.baton).p50), baseline: fmt(added(latency.baseline).p50) },
      'added p99 ms': { baton: fmt(added(latency.baton).p99), baseline: fmt(added(latency.baseline).p99) },
      'CPU µs / request': { baton: fmt(cpuPerRequestUs.baton, 0), baseline: fmt(cpuPerRequestUs.baseline, 0) },
    });
    console.log(
      `throughput ratio ${fmt(ratio)} (target >= ${TARGETS.throughputRatio}): ${summary.targets.throughputRatioMet ? 'met' : 'MISSED'}; ` +
        `added p99 ${fmt(added(latency.baton).p99)} ms over the slowest backend (target <= ${TARGETS.addedP99Ms}): ${summary.targets.addedP99Met ? 'met' : 'MISSED'}`,
    );

    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}composition.json`;
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: {
        backendLatencyMs: BACKEND_LATENCY_MS,
        batonVariant: env.BENCH_VARIANT,
        stepMs: STEP_MS,
        latencySliceMs: LATENCY_SLICE_MS,
        latencySlices: LATENCY_SLICES,
        sustainedP90Ms: SUSTAINED_P90_MS,
        maxFailureRatio: MAX_FAILURE_RATIO,
      },
      summary,
      steps: { baton: search.baton.steps, baseline: search.baseline.steps },
      runtimeSeconds: (performance.now() - started) / 1000,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${file} in ${fmt(report.runtimeSeconds, 0)} s`);
  } finally {
    await Promise.all(closers.map((close) => close()));
    for (const child of children) child.stop();
  }
}

await main();
