// Composition: Baton's GET /profiles/{userId} (the full app: auth, request IDs, secure headers,
// tracing middleware, metrics) against a hand-written minimal baseline (node:http + undici fan-out +
// merge) over the same three backends, each answering after a fixed 20 ms. Maximum throughput comes
// from a closed loop (a fixed number of connections kept busy); the highest rate each sustains under
// an open loop (p90 within 100 ms) is reported beside it; latency is measured at half of Baton's
// sustained maximum, as added per request: the request's latency minus its own slowest downstream
// call, as the server reported it in Server-Timing (both contenders send it); the three backends called
// directly by the driver are timed beside them for context. Last, recovery from overload: 1.5 times Baton's closed-loop maximum for 3 s, then 6 s at
// three quarters of it, a rate it can serve, counting what still fails (and, from Baton's /metrics,
// the `circuit_open` answers). The contenders take turns at every step. BENCH_BATON=route-only
// serves the profile router without the app's global middleware, BENCH_BATON=engine-only the
// composition engine on bare node:http and BENCH_BATON=hono-only the baseline's own fan-out through
// Hono, to tell apart what each layer costs.
import { startChild, type Child } from './lib/children';
import { closedLoop, type ClosedLoopResult } from './lib/closed-loop';
import { maxSustainedRates } from './lib/max-rate';
import { httpTarget, mergeSamples, OpenLoop, slowestOf, summarize, type LatencySummary, type Samples, type StepResult } from './lib/open-loop';
import { fmt, round, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { BENCH_TOKEN, type BackendUrls } from './composition/shared';

const BACKEND_LATENCY_MS = 20;
/** A rate is sustained when (almost) every request succeeds and the queue does not build up. */
const SUSTAINED_P90_MS = 5 * BACKEND_LATENCY_MS;
const MAX_FAILURE_RATIO = 0.001;
export const COMPOSITION_TARGETS = { throughputRatio: 0.9, addedP99Ms: 2 };

type Contender = 'baton' | 'baseline';
type Series = Contender | 'slowestBackend';

export interface CompositionJson {
  /** Closed-loop maximum throughput, Baton ÷ baseline (the target's figure). */
  throughputRatio: number | null;
  /** Highest open-loop rate sustained with p90 within 100 ms, Baton ÷ baseline. */
  sustainedRateRatio: number | null;
  closedLoop: { connections: number; rounds: Record<Contender, ClosedLoopResult[]>; median: Record<Contender, number> };
  p50AddedMs: number | null;
  p99AddedMs: number | null;
  maxAddedMs: number | null;
  baselineP50AddedMs: number | null;
  baselineP99AddedMs: number | null;
  maxSustainedRate: { baton: number; baseline: number };
  halfSaturationRate: number;
  latencyMs: Record<Series, LatencySummary>;
  cpuPerRequestUs: Record<Contender, number | null>;
  overloadRecovery: { overloadRate: number; recoveryRate: number } & Record<Contender, RecoveryResult>;
  batonVariant: string;
  backendLatencyMs: number;
  steps: Record<Contender, StepResult[]>;
  targets: typeof COMPOSITION_TARGETS;
}

/** Enough connections to keep either contender busy: at 5000 req/s and 25 ms that is 125 in flight. */
const CLOSED_LOOP_CONNECTIONS = 128;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

interface RecoveryResult {
  /** Requests sent in the recovery step, and those that failed or were still unanswered after it. */
  sent: number;
  failed: number;
  /** Composition sources answered `circuit_open` from the start of the overload to the end (Baton's full app only). */
  circuitOpen: number | null;
}

/** The sum of `baton_composition_source_total{outcome="circuit_open"}` on the app's /metrics. */
async function circuitOpenCount(baseUrl: string): Promise<number> {
  // BENCH_TOKEN is a static token: every scope, `operator` (what /metrics needs) included.
  const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  let sum = 0;
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('baton_composition_source_total{') && line.includes('outcome="circuit_open"')) sum += Number(line.split(' ').pop());
  }
  return sum;
}

async function overloadRecovery(loop: OpenLoop, metricsAt: string | null, overloadRate: number, recoveryRate: number, quick: boolean): Promise<RecoveryResult> {
  const count = () => (metricsAt === null ? Promise.resolve(null) : circuitOpenCount(metricsAt));
  const before = await count();
  await loop.run(overloadRate, 3000, 0);
  // The next step first waits for what the overload left in flight (answered late, or 504 at the deadline).
  const recovery = await loop.run(recoveryRate, quick ? 3000 : 6000);
  const after = await count();
  return { sent: recovery.sent, failed: recovery.failed + recovery.unfinished, circuitOpen: before === null || after === null ? null : after - before };
}

const sustained = (r: StepResult) => r.failed + r.unfinished <= r.sent * MAX_FAILURE_RATIO && r.p90 <= SUSTAINED_P90_MS;

export async function compositionBenchmark({ quick }: BenchOptions): Promise<BenchOutcome<CompositionJson>> {
  const stepMs = quick ? 1000 : 2000;
  const sliceMs = quick ? 2000 : 4000;
  const slices = quick ? 1 : 2;
  const children: Child<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const backends = await startChild<{ urls: BackendUrls }>({
      entry: 'dev/bench/composition/backends.ts',
      ready: 'json',
      env: { BENCH_BACKEND_LATENCY_MS: String(BACKEND_LATENCY_MS) },
    });
    children.push(backends);
    const variant = process.env.BENCH_BATON ?? 'app';
    const env = { BENCH_BACKENDS: JSON.stringify(backends.ready.urls), BENCH_VARIANT: variant };
    const [baton, baseline] = await Promise.all([
      startChild<{ url: string }>({ entry: 'dev/bench/composition/baton.ts', ready: 'json', env }),
      startChild<{ url: string }>({ entry: 'dev/bench/composition/baseline.ts', ready: 'json', env }),
    ]);
    const sut = { baton, baseline };
    children.push(baton, baseline);

    const userPath = (i: number) => `/profiles/u-${(i % 1000) + 1}`;
    const targets = {
      // Both report each call's duration in Server-Timing: what each added is measured per request.
      baton: httpTarget(baton.ready.url, userPath, { authorization: `Bearer ${BENCH_TOKEN}` }, { serverTiming: true }),
      baseline: httpTarget(baseline.ready.url, userPath, undefined, { serverTiming: true }),
      slowestBackend: slowestOf([
        httpTarget(backends.ready.urls.users, (i) => `/users/u-${(i % 1000) + 1}`),
        httpTarget(backends.ready.urls.orderHistory, (i) => `/users/u-${(i % 1000) + 1}/orders?limit=10`),
        httpTarget(backends.ready.urls.loyalty, (i) => `/loyalty/u-${(i % 1000) + 1}`),
      ]),
    };
    closers.push(...Object.values(targets).map((t) => () => t.close()));
    const loops = { baton: new OpenLoop(targets.baton), baseline: new OpenLoop(targets.baseline), slowestBackend: new OpenLoop(targets.slowestBackend) };

    console.log(`  backends at ${BACKEND_LATENCY_MS} ms, Baton variant ${variant}; warming up`);
    for (const c of ['baton', 'baseline'] as const) await loops[c].run(300, 2000);
    await loops.slowestBackend.run(300, 1000);

    const closedRounds = quick ? 2 : 4;
    const closedMs = quick ? 3000 : 5000;
    console.log(`  maximum throughput: closed loop, ${CLOSED_LOOP_CONNECTIONS} connections, ${closedRounds} x ${closedMs / 1000} s each, in turns`);
    const closed: Record<Contender, ClosedLoopResult[]> = { baton: [], baseline: [] };
    for (let round = 0; round < closedRounds; round++) {
      const order: Contender[] = round % 2 ? ['baseline', 'baton'] : ['baton', 'baseline'];
      for (const c of order) {
        const result = await closedLoop(targets[c], { connections: CLOSED_LOOP_CONNECTIONS, durationMs: closedMs });
        closed[c].push(result);
        console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0).padStart(6)} req/s, failed ${result.failed}`);
      }
    }
    const maxThroughput = {
      baton: Math.round(median(closed.baton.map((r) => r.throughput))),
      baseline: Math.round(median(closed.baseline.map((r) => r.throughput))),
    };

    console.log('  highest sustained rate (contenders alternate)');
    const search = await maxSustainedRates(
      { baton: loops.baton, baseline: loops.baseline },
      { startRate: 400, stepMs, refineRounds: quick ? 2 : 4, sustained },
    );
    const maxRate = { baton: search.baton.good, baseline: search.baseline.good };

    const halfRate = Math.max(50, Math.round(maxRate.baton / 2));
    console.log(`  latency at half of Baton's maximum: ${halfRate} req/s, ${slices} x ${sliceMs / 1000} s each, in turns`);
    // The search's last steps overloaded both contenders; what that left behind (a heap grown by the
    // backlog and its major GC, cold connections) is not latency at half of saturation: settle first.
    for (const name of ['baton', 'baseline'] as const) await loops[name].run(halfRate, 3000);
    const samples: Record<Series, Samples[]> = { baton: [], baseline: [], slowestBackend: [] };
    const addedSamples: Record<Contender, Samples[]> = { baton: [], baseline: [] };
    const cpuSeconds = { baton: 0, baseline: 0 };
    for (let slice = 0; slice < slices; slice++) {
      for (const name of ['baton', 'baseline', 'slowestBackend'] as const) {
        const before = name === 'slowestBackend' ? 0 : sut[name].cpuSeconds();
        const { samples: s, added } = await loops[name].sample(halfRate, sliceMs);
        samples[name].push(s);
        if (name !== 'slowestBackend') addedSamples[name].push(added);
        if (name !== 'slowestBackend') cpuSeconds[name] += sut[name].cpuSeconds() - before;
      }
    }
    const overloadRate = Math.round(1.5 * maxThroughput.baton);
    const recoveryRate = Math.round(0.75 * maxThroughput.baton);
    console.log(`  recovery from overload: ${overloadRate} req/s for 3 s, then ${recoveryRate} req/s`);
    const recovery = {
      // Only the full app serves /metrics.
      baton: await overloadRecovery(loops.baton, variant === 'app' ? baton.ready.url : null, overloadRate, recoveryRate, quick),
      baseline: await overloadRecovery(loops.baseline, null, overloadRate, recoveryRate, quick),
    };
    for (const c of ['baton', 'baseline'] as const) {
      const r = recovery[c];
      console.log(`    ${c.padEnd(9)} failed ${r.failed} of ${r.sent}${r.circuitOpen === null ? '' : `, circuit_open ${r.circuitOpen}`}`);
    }
    const latency = {
      baton: summarize(mergeSamples(samples.baton)),
      baseline: summarize(mergeSamples(samples.baseline)),
      slowestBackend: summarize(mergeSamples(samples.slowestBackend)),
    };
    // Per request: its latency minus its own slowest downstream call (Server-Timing). Never a difference
    // of two distributions' percentiles, which can come out negative and then measures nothing.
    const added = (c: Contender): LatencySummary => summarize(mergeSamples(addedSamples[c]));
    const ratio = maxThroughput.baton / maxThroughput.baseline;
    const sustainedRatio = maxRate.baton / maxRate.baseline;
    const cpuPerRequestUs = { baton: (cpuSeconds.baton * 1e6) / latency.baton.n, baseline: (cpuSeconds.baseline * 1e6) / latency.baseline.n };
    const a = added('baton');
    const b = added('baseline');
    return {
      json: {
        throughputRatio: round(ratio, 3),
        sustainedRateRatio: round(sustainedRatio, 3),
        closedLoop: { connections: CLOSED_LOOP_CONNECTIONS, rounds: closed, median: maxThroughput },
        p50AddedMs: round(a.p50),
        p99AddedMs: round(a.p99),
        maxAddedMs: round(a.max),
        baselineP50AddedMs: round(b.p50),
        baselineP99AddedMs: round(b.p99),
        maxSustainedRate: maxRate,
        halfSaturationRate: halfRate,
        latencyMs: latency,
        cpuPerRequestUs: { baton: round(cpuPerRequestUs.baton, 0), baseline: round(cpuPerRequestUs.baseline, 0) },
        overloadRecovery: { overloadRate, recoveryRate, ...recovery },
        batonVariant: variant,
        backendLatencyMs: BACKEND_LATENCY_MS,
        steps: { baton: search.baton.steps, baseline: search.baseline.steps },
        targets: COMPOSITION_TARGETS,
      },
      rows: [
        {
          benchmark: 'composition',
          figure: `max throughput req/s (closed loop, ${CLOSED_LOOP_CONNECTIONS} connections)`,
          baton: String(maxThroughput.baton),
          baseline: `${maxThroughput.baseline} (node:http + undici)`,
          result: `ratio ${fmt(ratio)}: ${verdict(ratio, (v) => v >= COMPOSITION_TARGETS.throughputRatio)}`,
          target: `≥ ${COMPOSITION_TARGETS.throughputRatio}`,
        },
        {
          benchmark: 'composition',
          figure: 'max sustained req/s (open loop, p90 ≤ 100 ms)',
          baton: String(maxRate.baton),
          baseline: String(maxRate.baseline),
          result: `ratio ${fmt(sustainedRatio)}: ${verdict(sustainedRatio, (v) => v >= COMPOSITION_TARGETS.throughputRatio)}`,
          target: `≥ ${COMPOSITION_TARGETS.throughputRatio}`,
        },
        {
          benchmark: 'composition',
          figure: `added over each request's slowest call @ ${halfRate}/s, p50 / p99 / max`,
          baton: `${fmt(a.p50)} / ${fmt(a.p99)} / ${fmt(a.max)} ms`,
          baseline: `${fmt(b.p50)} / ${fmt(b.p99)} / ${fmt(b.max)} ms`,
          result: `p99 ${verdict(a.p99, (v) => v <= COMPOSITION_TARGETS.addedP99Ms)}`,
          target: `p99 ≤ ${COMPOSITION_TARGETS.addedP99Ms} ms`,
        },
        {
          benchmark: 'composition',
          figure: `failed at ${recoveryRate}/s right after ${overloadRate}/s for 3 s`,
          baton: `${recovery.baton.failed} of ${recovery.baton.sent}${recovery.baton.circuitOpen === null ? '' : ` (${recovery.baton.circuitOpen} circuit_open)`}`,
          baseline: `${recovery.baseline.failed} of ${recovery.baseline.sent}`,
          result: '',
          target: '',
        },
        {
          benchmark: 'composition',
          figure: 'CPU per request',
          baton: `${fmt(cpuPerRequestUs.baton, 0)} µs`,
          baseline: `${fmt(cpuPerRequestUs.baseline, 0)} µs`,
          result: '',
          target: '',
        },
      ],
    };
  } finally {
    await Promise.all(closers.map((close) => close()));
    await Promise.all(children.map((child) => child.stop()));
  }
}
