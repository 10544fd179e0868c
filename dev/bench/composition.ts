// Composition: Baton's GET /profiles/{userId} (the full app: auth, request IDs, secure headers, tracing
// middleware, metrics) against a hand-written minimal baseline (node:http + undici fan-out + merge) and a
// gateway peer (nginx with its Lua module, the engine OpenResty, APISIX and Kong run on, doing the same
// fan-out and merge: composition/nginx-config.ts) over the same three backends, each answering after a
// fixed 20 ms. Maximum throughput comes from a closed loop (a fixed number of connections kept busy); the
// highest rate each sustains under an open loop (p90 within 100 ms) is reported beside it; latency is
// measured at half of Baton's sustained maximum, as added per request: the request's latency from its send
// minus its own slowest downstream call, as the server reported it in Server-Timing (all three send it), and
// set beside the Node servers' GC pauses (lib/gc-pauses.ts); the three
// backends called directly by the driver are timed beside them for context; CPU per request over those
// slices, and slice by slice against the baseline's of the same turn. Then recovery from overload (Baton
// and the baseline): 1.5 times Baton's closed-loop maximum for 3 s, then 6 s at three quarters of the
// lower of that maximum and its sustained rate, a rate it can serve, counting what still fails (and,
// from Baton's /metrics, the `circuit_open` answers). The
// contenders take turns at every step. All of that is the cold run: nothing is cached, and the targets
// apply to it. Last, a short warm run: the same composition as a compositions-file route with
// `cache: true` on users and loyalty (the backends send Cache-Control and ETag on those two), against the
// baseline, which does not cache. BENCH_BATON=route-only serves the profile router without the app's
// global middleware, BENCH_BATON=engine-only the composition engine on bare node:http and
// BENCH_BATON=hono-only the baseline's own fan-out through Hono, to tell apart what each layer costs (the
// warm run needs the full app and is left out with them).
import { processTreeCpuSeconds, startChild, type Child } from './lib/children';
import { API_NODE_FLAGS } from '../../api/node-flags';
import { closedLoop, type ClosedLoopResult } from './lib/closed-loop';
import { maxSustainedRates, type MaxRate } from './lib/max-rate';
import {
  failedText,
  httpTarget,
  mergeSamples,
  OpenLoop,
  slowestOf,
  stepFailures,
  summarize,
  type LatencySummary,
  type Samples,
  type StepResult,
  type Target,
} from './lib/open-loop';
import { fmt, fmtAgainst, round, roundAgainst, verdict, type BenchOptions, type BenchOutcome, type Row } from './lib/report';
import { estimateOfPairs, formatEstimate, perPair, roundedEstimate, type PairsEstimate } from './lib/pairs';
import { gcPauseEffect, summarizeGcPauses, takeGcPauses, type GcPauseEffect, type GcPausesJson } from './lib/gc-pauses';
import { PEER_NAME } from './composition/nginx-config';
import { BENCH_TOKEN, cacheHits, type BackendUrls } from './composition/shared';

const BACKEND_LATENCY_MS = 20;
/** A rate is sustained when (almost) every request succeeds and the queue does not build up. */
const SUSTAINED_P90_MS = 5 * BACKEND_LATENCY_MS;
const MAX_FAILURE_RATIO = 0.001;
/** The issue's targets, for the cold run: Baton ÷ baseline, and the added p99 at half of saturation. */
export const COMPOSITION_TARGETS = { throughputRatio: 0.75, sustainedRateRatio: 0.7, cpuPerRequestRatio: 1.35, addedP99Ms: 2 };
/** Whether each cold-run figure meets its target; given the figure itself, never a rounding of it. */
const meets = {
  throughputRatio: (v: number) => v >= COMPOSITION_TARGETS.throughputRatio,
  sustainedRateRatio: (v: number) => v >= COMPOSITION_TARGETS.sustainedRateRatio,
  cpuPerRequestRatio: (v: number) => v <= COMPOSITION_TARGETS.cpuPerRequestRatio,
  addedP99Ms: (v: number) => v <= COMPOSITION_TARGETS.addedP99Ms,
};

type Contender = 'baton' | 'baseline';
/** The contenders of the cold run: the gateway peer when it could start. */
type Runner = Contender | 'nginx';
type Series = Contender | 'slowestBackend';

/** The gateway peer's figures, in the same run; every ratio is Baton ÷ nginx. */
export type PeerJson =
  | {
      name: string;
      available: true;
      throughputRatio: number | null;
      sustainedRateRatio: number | null;
      /** Baton's CPU per request ÷ nginx's (master and worker). */
      cpuPerRequestRatio: number | null;
      closedLoopMedian: number;
      closedLoopRounds: ClosedLoopResult[];
      maxSustainedRate: number;
      p50AddedMs: number | null;
      p99AddedMs: number | null;
      maxAddedMs: number | null;
      latencyMs: LatencySummary;
      cpuPerRequestUs: number | null;
      /** What its Server-Timing durations measure. */
      timing: string;
      steps: StepResult[];
    }
  | { name: string; available: false; reason: string };

/** The warm run: Baton with users and loyalty cached (GET /cached-profiles/{userId}) against the baseline, which does not cache. */
export type WarmJson =
  | {
      available: true;
      /** Closed-loop maximum, Baton ÷ baseline. */
      throughputRatio: number | null;
      closedLoopMedian: Record<Contender, number>;
      closedLoopRounds: Record<Contender, ClosedLoopResult[]>;
      /** Rate of the latency slice: the cold run's half of saturation. */
      rate: number;
      p50AddedMs: number | null;
      p99AddedMs: number | null;
      maxAddedMs: number | null;
      baselineP50AddedMs: number | null;
      baselineP99AddedMs: number | null;
      latencyMs: Record<Contender, LatencySummary>;
      /** Of a sample of Baton's answers after the run, the share whose Cache-Status says `hit` for both baton-users and baton-loyalty. */
      cacheHitShare: number | null;
      cacheHitSample: number;
    }
  | { available: false; reason: string };

export interface CompositionJson {
  /** Closed-loop maximum throughput, Baton ÷ baseline (the target's figure). Cold run, as every figure at this level. */
  throughputRatio: number | null;
  /** Highest open-loop rate sustained with p90 within 100 ms, Baton ÷ baseline. */
  sustainedRateRatio: number | null;
  /** CPU per request at half of saturation, Baton ÷ baseline, over all the latency slices (the target's figure). */
  cpuPerRequestRatio: number | null;
  /** The same, slice by slice: each of Baton's latency slices ÷ the baseline's of the same turn. */
  cpuPerRequestPairRatio: PairsEstimate | null;
  closedLoop: { connections: number; rounds: Record<Contender, ClosedLoopResult[]>; median: Record<Contender, number> };
  p50AddedMs: number | null;
  p99AddedMs: number | null;
  maxAddedMs: number | null;
  baselineP50AddedMs: number | null;
  baselineP99AddedMs: number | null;
  /** The added latency as the suite measured it until 2026-12-03: from when each request was due, the driver's lateness included. */
  addedFromDueMs: Record<Contender, LatencySummary>;
  /** The Node servers' GC pauses in the latency slices, and the added latency of the requests none overlapped. */
  gcPauses: Record<Contender, GcPausesJson>;
  maxSustainedRate: { baton: number; baseline: number };
  halfSaturationRate: number;
  latencyMs: Record<Series, LatencySummary>;
  cpuPerRequestUs: Record<Contender, number | null>;
  /** Each latency slice's CPU per request, in the order the slices ran. */
  cpuPerRequestUsBySlice: Record<Runner, number[]>;
  overloadRecovery: { overloadRate: number; recoveryRate: number } & Record<Contender, RecoveryResult>;
  batonVariant: string;
  backendLatencyMs: number;
  steps: Record<Contender, StepResult[]>;
  targets: typeof COMPOSITION_TARGETS;
  peer: PeerJson;
  warm: WarmJson;
}

/** Enough connections to keep either contender busy: at 5000 req/s and 25 ms that is 125 in flight. */
const CLOSED_LOOP_CONNECTIONS = 128;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** Round `round`'s order: each contender first in turn (for two, alternating). */
const inTurn = <T>(xs: readonly T[], round: number): T[] => xs.map((_, i) => xs[(i + round) % xs.length]!);

interface RecoveryResult {
  /** Requests sent in the recovery step, and those that failed or were still unanswered after it. */
  sent: number;
  failed: number;
  /** `failed` by why: the status (503 is Baton's load shedding, 504 its deadline), an error's code, or `unanswered`. */
  failedBy: Record<string, number>;
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
  return { sent: recovery.sent, ...stepFailures(recovery), circuitOpen: before === null || after === null ? null : after - before };
}

const sustained = (r: StepResult) => stepFailures(r).failed <= r.sent * MAX_FAILURE_RATIO && r.p90 <= SUSTAINED_P90_MS;

const userPath = (i: number) => `/profiles/u-${(i % 1000) + 1}`;
const cachedUserPath = (i: number) => `/cached-profiles/u-${(i % 1000) + 1}`;
const batonAuth = { authorization: `Bearer ${BENCH_TOKEN}` };

interface PeerReady {
  url?: string;
  nginxPid?: number;
  unavailable?: string;
}

/** The peer's child, and nginx's master PID when it serves; the reason when it does not. */
async function startPeer(env: Record<string, string>): Promise<{ child?: Child<PeerReady>; url?: string; nginxPid?: number; reason?: string }> {
  try {
    const child = await startChild<PeerReady>({ entry: 'dev/bench/composition/nginx-peer.ts', ready: 'json', env, timeoutMs: 30_000 });
    const { url, nginxPid, unavailable } = child.ready;
    if (url === undefined || nginxPid === undefined) return { child, reason: unavailable ?? 'the peer did not say where it listens' };
    return { child, url, nginxPid };
  } catch (err) {
    return { reason: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

/** Of `n` answers of `path(i)`, the share whose Cache-Status says both users and loyalty came from Baton's cache. */
async function cacheHitShare(url: string, path: (i: number) => string, n: number): Promise<number> {
  let hits = 0;
  const lanes = 10;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < n; i += lanes) {
        const response = await fetch(`${url}${path(i)}`, { headers: batonAuth });
        await response.arrayBuffer();
        if (response.status === 200 && cacheHits(response.headers.get('cache-status'), ['baton-users', 'baton-loyalty'])) hits++;
      }
    }),
  );
  return hits / n;
}

interface WarmOptions {
  quick: boolean;
  env: Record<string, string>;
  baseline: Target;
  rate: number;
  sliceMs: number;
  children: Child<unknown>[];
  closers: (() => Promise<void>)[];
}

/** The warm run: a fresh Baton serving /cached-profiles, against the baseline (which has no cache). */
async function warmRun({ quick, env, baseline, rate, sliceMs, children, closers }: WarmOptions): Promise<WarmJson> {
  const baton = await startChild<{ url: string }>({
    entry: 'dev/bench/composition/baton.ts',
    ready: 'json',
    env: { ...env, BENCH_CACHED_PROFILES: '1' },
    nodeArgs: API_NODE_FLAGS,
  });
  children.push(baton);
  const targets: Record<Contender, Target> = {
    baton: httpTarget(baton.ready.url, cachedUserPath, batonAuth, { serverTiming: true }),
    baseline,
  };
  closers.push(() => targets.baton.close());
  const loops = { baton: new OpenLoop(targets.baton), baseline: new OpenLoop(targets.baseline) };
  // 1000 requests, indices 0 to 999: every user's answers are in the cache before anything is measured.
  console.log('  warm run: Baton with users and loyalty cached (GET /cached-profiles), against the baseline');
  await loops.baton.run(500, 2000);
  await loops.baseline.run(300, 1000);
  const rounds = quick ? 2 : 3;
  const closedMs = 3000;
  const closed: Record<Contender, ClosedLoopResult[]> = { baton: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    for (const c of inTurn<Contender>(['baton', 'baseline'], round)) {
      const result = await closedLoop(targets[c], { connections: CLOSED_LOOP_CONNECTIONS, durationMs: closedMs });
      closed[c].push(result);
      console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0).padStart(6)} req/s, failed ${result.failed}`);
    }
  }
  const medians = { baton: Math.round(median(closed.baton.map((r) => r.throughput))), baseline: Math.round(median(closed.baseline.map((r) => r.throughput))) };
  console.log(`    latency at ${rate} req/s, ${sliceMs / 1000} s each`);
  const samples = {} as Record<Contender, Samples>;
  const added = {} as Record<Contender, Samples>;
  for (const c of ['baton', 'baseline'] as const) {
    await loops[c].run(rate, 2000);
    const sampled = await loops[c].sample(rate, sliceMs);
    samples[c] = sampled.samples;
    added[c] = sampled.added;
  }
  const sample = 200;
  const share = await cacheHitShare(baton.ready.url, cachedUserPath, sample);
  await baton.stop();
  const a = summarize(added.baton);
  const b = summarize(added.baseline);
  return {
    available: true,
    throughputRatio: round(medians.baton / medians.baseline, 3),
    closedLoopMedian: medians,
    closedLoopRounds: closed,
    rate,
    p50AddedMs: round(a.p50),
    p99AddedMs: round(a.p99),
    maxAddedMs: round(a.max),
    baselineP50AddedMs: round(b.p50),
    baselineP99AddedMs: round(b.p99),
    latencyMs: { baton: summarize(samples.baton), baseline: summarize(samples.baseline) },
    cacheHitShare: round(share, 3),
    cacheHitSample: sample,
  };
}

const PEER_TIMING =
  "each call from just before ngx.location.capture_multi to its subrequest's last body buffer (body_filter_by_lua), clock_gettime(CLOCK_MONOTONIC) through LuaJIT's FFI";

export async function compositionBenchmark({ quick }: BenchOptions): Promise<BenchOutcome<CompositionJson>> {
  const stepMs = quick ? 1000 : 2000;
  const sliceMs = quick ? 2000 : 4000;
  // Six pairs of slices: with two, the CPU ratio of the same code read 1.28 to 1.66 within one hour
  // (docs/benchmark-journal.md, "The CPU per request, slice by slice").
  const slices = quick ? 1 : 6;
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
    const [baton, baseline, peer] = await Promise.all([
      // Both Node servers run with the flags Baton's API ships with (api/node-flags.ts): the ratio
      // compares their code, not their V8 settings.
      startChild<{ url: string }>({ entry: 'dev/bench/composition/baton.ts', ready: 'json', env, nodeArgs: API_NODE_FLAGS }),
      startChild<{ url: string }>({ entry: 'dev/bench/composition/baseline.ts', ready: 'json', env, nodeArgs: API_NODE_FLAGS }),
      startPeer(env),
    ]);
    children.push(baton, baseline);
    if (peer.child) children.push(peer.child);
    const nginxPid = peer.nginxPid;
    const peerOn = peer.url !== undefined && nginxPid !== undefined;
    const runners: Runner[] = peerOn ? ['baton', 'baseline', 'nginx'] : ['baton', 'baseline'];
    const cpuOf: Record<Runner, () => number> = {
      baton: () => baton.cpuSeconds(),
      baseline: () => baseline.cpuSeconds(),
      // nginx's master and worker, not the Node process that started them.
      nginx: () => (nginxPid === undefined ? NaN : processTreeCpuSeconds(nginxPid)),
    };

    const targets: Record<Runner | 'slowestBackend', Target> = {
      // All report each call's duration in Server-Timing: what each added is measured per request.
      baton: httpTarget(baton.ready.url, userPath, batonAuth, { serverTiming: true }),
      baseline: httpTarget(baseline.ready.url, userPath, undefined, { serverTiming: true }),
      // Never sent to when the peer is off (its pool connects on first use).
      nginx: httpTarget(peer.url ?? 'http://127.0.0.1:1', userPath, undefined, { serverTiming: true }),
      slowestBackend: slowestOf([
        httpTarget(backends.ready.urls.users, (i) => `/users/u-${(i % 1000) + 1}`),
        httpTarget(backends.ready.urls.orderHistory, (i) => `/users/u-${(i % 1000) + 1}/orders?limit=10`),
        httpTarget(backends.ready.urls.loyalty, (i) => `/loyalty/u-${(i % 1000) + 1}`),
      ]),
    };
    closers.push(...Object.values(targets).map((t) => () => t.close()));
    const loops = {
      baton: new OpenLoop(targets.baton),
      baseline: new OpenLoop(targets.baseline),
      nginx: new OpenLoop(targets.nginx),
      slowestBackend: new OpenLoop(targets.slowestBackend),
    };

    console.log(
      `  backends at ${BACKEND_LATENCY_MS} ms, Baton variant ${variant}; ${peerOn ? `peer ${PEER_NAME}` : `peer unavailable: ${peer.reason}`}; warming up`,
    );
    for (const c of runners) await loops[c].run(300, 2000);
    await loops.slowestBackend.run(300, 1000);

    const closedRounds = quick ? 2 : 4;
    const closedMs = quick ? 3000 : 5000;
    console.log(`  maximum throughput: closed loop, ${CLOSED_LOOP_CONNECTIONS} connections, ${closedRounds} x ${closedMs / 1000} s each, in turns`);
    const closed: Record<Runner, ClosedLoopResult[]> = { baton: [], baseline: [], nginx: [] };
    for (let round = 0; round < closedRounds; round++) {
      for (const c of inTurn(runners, round)) {
        const result = await closedLoop(targets[c], { connections: CLOSED_LOOP_CONNECTIONS, durationMs: closedMs });
        closed[c].push(result);
        console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0).padStart(6)} req/s, failed ${result.failed}`);
      }
    }
    const closedMedian = (c: Runner) => Math.round(median(closed[c].map((r) => r.throughput)));
    const maxThroughput = { baton: closedMedian('baton'), baseline: closedMedian('baseline') };

    console.log('  highest sustained rate (contenders take turns)');
    const searched: Record<Contender, OpenLoop> & Partial<Record<Runner, OpenLoop>> = { baton: loops.baton, baseline: loops.baseline };
    if (peerOn) searched.nginx = loops.nginx;
    const search: Record<Contender, MaxRate> & Partial<Record<Runner, MaxRate>> = await maxSustainedRates<Runner>(searched as Record<Runner, OpenLoop>, {
      startRate: 400,
      stepMs,
      refineRounds: quick ? 2 : 4,
      sustained,
    });
    const maxRate = { baton: search.baton.good, baseline: search.baseline.good };

    const halfRate = Math.max(50, Math.round(maxRate.baton / 2));
    console.log(`  latency at half of Baton's maximum: ${halfRate} req/s, ${slices} x ${sliceMs / 1000} s each, in turns`);
    // The search's last steps overloaded every contender; what that left behind (a heap grown by the
    // backlog and its major GC, cold connections) is not latency at half of saturation: settle first.
    for (const c of runners) await loops[c].run(halfRate, 3000);
    const samples: Record<Runner | 'slowestBackend', Samples[]> = { baton: [], baseline: [], nginx: [], slowestBackend: [] };
    const addedSamples: Record<Runner, Samples[]> = { baton: [], baseline: [], nginx: [] };
    const addedFromDueSamples: Record<Runner, Samples[]> = { baton: [], baseline: [], nginx: [] };
    const cpuBySlice: Record<Runner, { seconds: number; requests: number }[]> = { baton: [], baseline: [], nginx: [] };
    // The two Node servers' GC pauses during their slices, beside the requests each stood still.
    const nodeServers: Record<Contender, Child<unknown>> = { baton, baseline };
    const gcSlices: Record<Contender, GcPauseEffect[]> = { baton: [], baseline: [] };
    for (let slice = 0; slice < slices; slice++) {
      for (const name of [...inTurn(runners, slice), 'slowestBackend'] as const) {
        const before = name === 'slowestBackend' ? 0 : cpuOf[name]();
        const server = name === 'baton' || name === 'baseline' ? nodeServers[name].child : undefined;
        if (server) await takeGcPauses(server); // what came before the slice
        const startedAt = performance.now();
        const { samples: s, added, addedFromDue, timed } = await loops[name].sample(halfRate, sliceMs);
        samples[name].push(s);
        if (name === 'slowestBackend') continue;
        addedSamples[name].push(added);
        addedFromDueSamples[name].push(addedFromDue);
        cpuBySlice[name].push({ seconds: cpuOf[name]() - before, requests: s.length });
        if (server) {
          const pauses = await takeGcPauses(server);
          gcSlices[name as Contender].push(gcPauseEffect({ pauses, durationMs: performance.now() - startedAt, requests: timed }));
        }
      }
    }
    const overloadRate = Math.round(1.5 * maxThroughput.baton);
    // A rate Baton serves: below both its closed-loop maximum and the highest rate it sustained in the open
    // loop. Past the latter (the sustained rate can be the lower one), failures would be the overload going
    // on, not what it left behind.
    const recoveryRate = Math.round(0.75 * Math.min(maxThroughput.baton, maxRate.baton));
    console.log(`  recovery from overload: ${overloadRate} req/s for 3 s, then ${recoveryRate} req/s`);
    const recovery = {
      // Only the full app serves /metrics.
      baton: await overloadRecovery(loops.baton, variant === 'app' ? baton.ready.url : null, overloadRate, recoveryRate, quick),
      baseline: await overloadRecovery(loops.baseline, null, overloadRate, recoveryRate, quick),
    };
    for (const c of ['baton', 'baseline'] as const) {
      const r = recovery[c];
      console.log(`    ${c.padEnd(9)} failed ${failedText(r)}${r.circuitOpen === null ? '' : `, circuit_open ${r.circuitOpen}`}`);
    }
    const latency = {
      baton: summarize(mergeSamples(samples.baton)),
      baseline: summarize(mergeSamples(samples.baseline)),
      slowestBackend: summarize(mergeSamples(samples.slowestBackend)),
    };
    // Per request: its latency minus its own slowest downstream call (Server-Timing). Never a difference
    // of two distributions' percentiles, which can come out negative and then measures nothing.
    const added = (c: Runner): LatencySummary => summarize(mergeSamples(addedSamples[c]));
    const sum = (xs: number[]) => xs.reduce((total, x) => total + x, 0);
    const cpuPerRequest = (c: Runner) => (sum(cpuBySlice[c].map((x) => x.seconds)) * 1e6) / sum(cpuBySlice[c].map((x) => x.requests));
    const cpuUsBySlice = (c: Runner) => cpuBySlice[c].map(({ seconds, requests }) => (seconds * 1e6) / requests);
    const ratio = maxThroughput.baton / maxThroughput.baseline;
    const sustainedRatio = maxRate.baton / maxRate.baseline;
    const cpuPerRequestUs = { baton: cpuPerRequest('baton'), baseline: cpuPerRequest('baseline') };
    const cpuRatio = cpuPerRequestUs.baton / cpuPerRequestUs.baseline;
    const cpuPairRatios = perPair(cpuUsBySlice('baton'), cpuUsBySlice('baseline'), (x, y) => x / y);
    const cpuPairRatio = estimateOfPairs(cpuPairRatios);
    console.log(`    CPU per request, Baton ÷ baseline slice by slice: ${cpuPairRatios.map((r) => fmt(r ?? NaN)).join(', ')}`);
    const a = added('baton');
    const b = added('baseline');
    const fromDue = (c: Runner) => summarize(mergeSamples(addedFromDueSamples[c]));
    const gc = { baton: summarizeGcPauses(gcSlices.baton), baseline: summarizeGcPauses(gcSlices.baseline) };

    // The cold run's contenders are done: only the baseline serves on, against the warm Baton.
    await Promise.all([baton.stop(), peer.child?.stop()]);
    // A warm run that cannot run (its compositions file refused, say) must not cost the cold run's figures.
    const warm: WarmJson =
      variant === 'app'
        ? await warmRun({ quick, env, baseline: targets.baseline, rate: halfRate, sliceMs, children, closers }).catch((err: unknown): WarmJson => ({
            available: false,
            reason: err instanceof Error ? err.message.split('\n')[0]! : String(err),
          }))
        : { available: false, reason: `BENCH_BATON=${variant}: only the full app serves a compositions file` };

    let peerJson: PeerJson;
    if (peerOn) {
      const n = added('nginx');
      const nginxMax = closedMedian('nginx');
      const nginxCpu = cpuPerRequest('nginx');
      const nginxRate = search.nginx?.good ?? NaN;
      peerJson = {
        name: PEER_NAME,
        available: true,
        throughputRatio: round(maxThroughput.baton / nginxMax, 3),
        sustainedRateRatio: round(maxRate.baton / nginxRate, 3),
        cpuPerRequestRatio: round(cpuPerRequestUs.baton / nginxCpu, 3),
        closedLoopMedian: nginxMax,
        closedLoopRounds: closed.nginx,
        maxSustainedRate: nginxRate,
        p50AddedMs: round(n.p50),
        p99AddedMs: round(n.p99),
        maxAddedMs: round(n.max),
        latencyMs: summarize(mergeSamples(samples.nginx)),
        cpuPerRequestUs: round(nginxCpu, 0),
        timing: PEER_TIMING,
        steps: search.nginx?.steps ?? [],
      };
    } else {
      peerJson = { name: PEER_NAME, available: false, reason: peer.reason ?? 'unknown' };
    }

    const rows: Row[] = [];
    const row = (figure: string, baton: string, baseline: string, result = '', target = '') =>
      rows.push({ benchmark: 'composition', figure, baton, baseline, result, target });
    const p = peerJson.available ? peerJson : undefined;
    /** The peer's row right under the baseline's: its figure in the baseline column, Baton ÷ nginx as the result. */
    const peerRow = (batonValue: string, nginxValue: string, ratioText: string) => {
      if (p) row(`  the same, vs ${PEER_NAME}`, batonValue, nginxValue, `Baton ÷ nginx ${ratioText}`);
    };
    row(
      `cold: max throughput req/s (closed loop, ${CLOSED_LOOP_CONNECTIONS} connections)`,
      String(maxThroughput.baton),
      `${maxThroughput.baseline} (node:http + undici)`,
      `Baton ÷ baseline ${fmtAgainst(ratio, meets.throughputRatio)}: ${verdict(ratio, meets.throughputRatio)}`,
      `≥ ${COMPOSITION_TARGETS.throughputRatio}`,
    );
    peerRow(String(maxThroughput.baton), `${p?.closedLoopMedian} (${PEER_NAME})`, fmt(p?.throughputRatio ?? NaN));
    if (!peerJson.available) row(`  vs ${PEER_NAME}`, '', 'unavailable', peerJson.reason.slice(0, 200));
    row(
      'cold: max sustained req/s (open loop, p90 ≤ 100 ms)',
      String(maxRate.baton),
      String(maxRate.baseline),
      `Baton ÷ baseline ${fmtAgainst(sustainedRatio, meets.sustainedRateRatio)}: ${verdict(sustainedRatio, meets.sustainedRateRatio)}`,
      `≥ ${COMPOSITION_TARGETS.sustainedRateRatio}`,
    );
    peerRow(String(maxRate.baton), String(p?.maxSustainedRate), fmt(p?.sustainedRateRatio ?? NaN));
    row(
      `cold: added over each request's slowest call (from its send) @ ${halfRate}/s, p50 / p99 / max`,
      `${fmt(a.p50)} / ${fmtAgainst(a.p99, meets.addedP99Ms)} / ${fmt(a.max)} ms`,
      `${fmt(b.p50)} / ${fmt(b.p99)} / ${fmt(b.max)} ms`,
      `p99 ${verdict(a.p99, meets.addedP99Ms)}`,
      `p99 ≤ ${COMPOSITION_TARGETS.addedP99Ms} ms`,
    );
    peerRow(
      `${fmt(a.p50)} / ${fmt(a.p99)} / ${fmt(a.max)} ms`,
      `${fmt(p?.p50AddedMs ?? NaN)} / ${fmt(p?.p99AddedMs ?? NaN)} / ${fmt(p?.maxAddedMs ?? NaN)} ms`,
      `p99 ${fmt(a.p99 / (p?.p99AddedMs || NaN))}`,
    );
    const due = { baton: fromDue('baton'), baseline: fromDue('baseline') };
    row(
      "  the same from when each was due (the driver's lateness in; until 2026-12-03)",
      `${fmt(due.baton.p50)} / ${fmt(due.baton.p99)} / ${fmt(due.baton.max)} ms`,
      `${fmt(due.baseline.p50)} / ${fmt(due.baseline.p99)} / ${fmt(due.baseline.max)} ms`,
    );
    const pct = (share: number) => `${fmt(share * 100, 1)}%`;
    const gcText = (g: GcPausesJson) =>
      `${fmt(g.pausesPerSecond, 1)}/s of ${fmt(g.pauseMs.p50)} ms (max ${fmt(g.pauseMs.max)}), ${pct(g.pausedShare)} of the time; ${pct(g.overlappingShare)} of requests in flight during one`;
    row(`cold: the server's GC pauses @ ${halfRate}/s (Node servers)`, gcText(gc.baton), gcText(gc.baseline));
    row(
      '  added, the requests no GC pause overlapped, p50 / p99 / max',
      `${fmt(gc.baton.addedOutsidePausesMs.p50)} / ${fmt(gc.baton.addedOutsidePausesMs.p99)} / ${fmt(gc.baton.addedOutsidePausesMs.max)} ms`,
      `${fmt(gc.baseline.addedOutsidePausesMs.p50)} / ${fmt(gc.baseline.addedOutsidePausesMs.p99)} / ${fmt(gc.baseline.addedOutsidePausesMs.max)} ms`,
      'what the pauses cost the p99',
    );
    row(
      `cold: CPU per request @ ${halfRate}/s`,
      `${fmt(cpuPerRequestUs.baton, 0)} µs`,
      `${fmt(cpuPerRequestUs.baseline, 0)} µs`,
      `Baton ÷ baseline ${fmtAgainst(cpuRatio, meets.cpuPerRequestRatio)}, slice by slice ${formatEstimate(cpuPairRatio, 2)}: ${verdict(cpuRatio, meets.cpuPerRequestRatio)}`,
      `≤ ${COMPOSITION_TARGETS.cpuPerRequestRatio}×`,
    );
    peerRow(`${fmt(cpuPerRequestUs.baton, 0)} µs`, `${fmt(p?.cpuPerRequestUs ?? NaN, 0)} µs, master + worker`, fmt(p?.cpuPerRequestRatio ?? NaN));
    row(
      `cold: failed at ${recoveryRate}/s right after ${overloadRate}/s for 3 s`,
      `${failedText(recovery.baton)}${recovery.baton.circuitOpen === null ? '' : `, ${recovery.baton.circuitOpen} circuit_open`}`,
      failedText(recovery.baseline),
    );
    if (warm.available) {
      row(
        'warm (users, loyalty cached): max throughput req/s (closed loop)',
        String(warm.closedLoopMedian.baton),
        `${warm.closedLoopMedian.baseline} (no cache)`,
        `Baton ÷ baseline ${fmt(warm.throughputRatio ?? NaN)}`,
        'none (targets: cold)',
      );
      row(
        `warm: added over each request's slowest call @ ${warm.rate}/s, p50 / p99 / max`,
        `${fmt(warm.p50AddedMs ?? NaN)} / ${fmt(warm.p99AddedMs ?? NaN)} / ${fmt(warm.maxAddedMs ?? NaN)} ms`,
        `${fmt(warm.baselineP50AddedMs ?? NaN)} / ${fmt(warm.baselineP99AddedMs ?? NaN)} ms`,
        `cache hits (users and loyalty) ${fmt((warm.cacheHitShare ?? NaN) * 100, 1)}% of ${warm.cacheHitSample}`,
      );
    } else {
      row('warm (users, loyalty cached)', 'skipped', '', warm.reason);
    }

    return {
      json: {
        throughputRatio: roundAgainst(ratio, meets.throughputRatio),
        sustainedRateRatio: roundAgainst(sustainedRatio, meets.sustainedRateRatio),
        cpuPerRequestRatio: roundAgainst(cpuRatio, meets.cpuPerRequestRatio),
        cpuPerRequestPairRatio: roundedEstimate(cpuPairRatio, 3),
        closedLoop: { connections: CLOSED_LOOP_CONNECTIONS, rounds: { baton: closed.baton, baseline: closed.baseline }, median: maxThroughput },
        p50AddedMs: round(a.p50),
        p99AddedMs: roundAgainst(a.p99, meets.addedP99Ms, 2),
        maxAddedMs: round(a.max),
        baselineP50AddedMs: round(b.p50),
        baselineP99AddedMs: round(b.p99),
        addedFromDueMs: due,
        gcPauses: gc,
        maxSustainedRate: maxRate,
        halfSaturationRate: halfRate,
        latencyMs: latency,
        cpuPerRequestUs: { baton: round(cpuPerRequestUs.baton, 0), baseline: round(cpuPerRequestUs.baseline, 0) },
        cpuPerRequestUsBySlice: {
          baton: cpuUsBySlice('baton').map(Math.round),
          baseline: cpuUsBySlice('baseline').map(Math.round),
          nginx: cpuUsBySlice('nginx').map(Math.round),
        },
        overloadRecovery: { overloadRate, recoveryRate, ...recovery },
        batonVariant: variant,
        backendLatencyMs: BACKEND_LATENCY_MS,
        steps: { baton: search.baton.steps, baseline: search.baseline.steps },
        targets: COMPOSITION_TARGETS,
        peer: peerJson,
        warm,
      },
      rows,
    };
  } finally {
    await Promise.all(closers.map((close) => close()));
    await Promise.all(children.map((child) => child.stop()));
  }
}
