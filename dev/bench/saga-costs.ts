// Saga costs: what each of Baton's features costs an order, each switched off in the same run (issue 18:
// a figure that misses its goal is explained by the experiment that shows it). One dev server, the sample
// services at 10 ms per call, and one worker process per variant, each on its own task queue:
//   baton                 the order workflow as shipped (npm run build's untraced bundle, payloads encrypted)
//   noPatchMarkers        patched() answers true without recording a marker (and so without the SDK's
//                         TemporalChangeVersion upsert): a new order's flow, none of the versioning
//   noStatusUpserts       the OrderStatus search attribute is never upserted
//   noEncryption          BATON_PAYLOAD_KEYS=off in the worker and the driver
//   noWorkflowLogs        the workflow's log lines off (the shim's `log` does nothing)
//   noCurrentDetails      the Web UI's current details never set
//   noSummaries           no summary on the activities
//   perRunModules         Baton's workflow modules evaluated for every run (the SDK's default) instead of once per thread
//   unversioned           BATON_WORKER_VERSIONING=false: no Worker Deployment, nothing pinned
//   readAfterReservation  v5's flow: the payment's record read after the reservation instead of beside it
//   noRecordReads         v3's flow: the money-safe reads of the payment's record off (one call less)
//   allOff                all of the switches above but the flows (v6's flow, four calls)
//   bare                  allOff with v3's flow: the raw SDK's three calls; what is left is Baton's code
//   viaApi                Baton as shipped, started by POST /orders instead of the driver
//   rawSdk                the raw-SDK baseline (bench/raw-saga)
// Each series' throughput rounds count the CPU of its worker, of the server and of the services and the driver per
// order (and for `viaApi`, of the API): the machine is saturated in them, so the raw SDK's total ÷ a series' is about
// the saga throughput ratio that series would read, and the split says which process its switch relieves. The passes rotate (lib/turns.ts).
// The variants are bench-only bundles: `@temporalio/workflow` is aliased to a shim that overrides
// `patched`, `upsertSearchAttributes`, `setCurrentDetails`, `proxyActivities` and `log`; nothing in Baton's own code knows about them. Every order is
// started by the driver with POST /orders' start options (and `viaApi` through POST /orders itself), so
// each series differs from `baton` by one thing; `allOff` and `bare` too carry the start's summary, details
// and fairness key (the starts benchmark weighs those: starts.sdkWithApiOptions). Each variant's history is
// checked (markers, upserts, encrypted input) before it is measured, so a switch that did not take shows up as
// an error, not a number.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { orderWorkflow } from '../../contracts';
import { ORDER_PATCHES } from '../../workflows/order-patches';
import { workflowBundleOptions } from '../../worker/workflow-source';
import { withWorkflowStandIn } from '../temporal/workflow-stand-in';
import { rotatingPasses } from './lib/turns';
import { closedLoop, mergeSamples, OpenLoop, summarize, type ClosedLoopResult, type LatencySummary, type Samples, type Target } from './lib/open-loop';
import { apiClient, orderCompleted, orderRequest, runRawOrder, startOrderAsApi } from './lib/orders';
import { fmt, round, throughputOf, type BenchOptions, type BenchOutcome, type Row } from './lib/report';
import { startApi, startBatonWorker, startRawWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';
import { countingCpu, machineCpuSeconds, noCpu, type MachineCpu } from './lib/machine-cpu';
import { estimateOfPairs, formatEstimate, perPair, roundedEstimate, type PairsEstimate } from './lib/pairs';
import { STEP_LATENCY_MS } from './saga-latency';

interface Switches {
  /** patched() answers true without a marker. */
  patchMarkers?: boolean;
  statusUpserts?: boolean;
  encryption?: boolean;
  /** Patches answered false: the flow from before them. */
  patches?: string[];
  /** The workflow's log lines (each a sink call to the worker's logger). */
  workflowLogs?: boolean;
  /** The Web UI's current details, set at each change of the order. */
  currentDetails?: boolean;
  /** The summary each activity carries for the Web UI. */
  summaries?: boolean;
  /** Worker settings a deployment can change (config/env.ts). */
  env?: Record<string, string>;
  /** Baton's workflow modules evaluated for every run, as the SDK does for modules it is not told to preload. */
  perRunModules?: boolean;
}

// v7 folds v4 to v6 into one patch: answered no, each older one is asked as before.
const V5_FLOW = [ORDER_PATCHES.v4ToV6, ORDER_PATCHES.checkBesideReservation];
const V3_FLOW = [ORDER_PATCHES.v4ToV6, ORDER_PATCHES.moneySafe, ORDER_PATCHES.checkBesideReservation];
const UNVERSIONED = { BATON_WORKER_VERSIONING: 'false' };
const NOTHING_THE_RAW_SDK_LACKS = {
  patchMarkers: true,
  statusUpserts: true,
  encryption: true,
  workflowLogs: true,
  currentDetails: true,
  summaries: true,
  env: UNVERSIONED,
};

const VARIANTS = {
  baton: { what: 'Baton as shipped', off: {} },
  noPatchMarkers: { what: 'no patch markers (nor their TemporalChangeVersion upserts)', off: { patchMarkers: true } },
  noStatusUpserts: { what: 'no OrderStatus upserts', off: { statusUpserts: true } },
  noEncryption: { what: 'payloads not encrypted', off: { encryption: true } },
  unversioned: { what: 'no Worker Versioning (BATON_WORKER_VERSIONING=false)', off: { env: UNVERSIONED } },
  noWorkflowLogs: { what: "the workflow's log lines off (12 a card order)", off: { workflowLogs: true } },
  noCurrentDetails: { what: "no current details (the Web UI's progress table)", off: { currentDetails: true } },
  noSummaries: { what: 'no activity summaries', off: { summaries: true } },
  perRunModules: { what: "Baton's workflow modules evaluated for every run (no preloadModules)", off: { perRunModules: true } },
  readAfterReservation: { what: 'v5 flow: the record read after the reservation', off: { patches: V5_FLOW } },
  noRecordReads: { what: 'v3 flow: no read of the payment record', off: { patches: V3_FLOW } },
  allOff: { what: 'every switch above off, the flow kept (four calls)', off: NOTHING_THE_RAW_SDK_LACKS },
  bare: { what: "all that off, and the v3 flow: the raw SDK's three calls", off: { ...NOTHING_THE_RAW_SDK_LACKS, patches: V3_FLOW } },
} satisfies Record<string, { what: string; off: Switches }>;
type Variant = keyof typeof VARIANTS;
type Series = Variant | 'viaApi' | 'rawSdk';
const CLUSTER_SERIES: Series[] = ['baton', 'noPatchMarkers', 'noStatusUpserts', 'allOff', 'bare', 'rawSdk'];
const off = (v: Variant): Switches => VARIANTS[v].off;

/** What one completed order of a series left in its history. */
interface HistoryShape {
  events: number;
  workflowTasks: number;
  activities: number;
  markers: number;
  upserts: number;
  /** Activities scheduled with a summary for the Web UI. */
  summaries: number;
  encryptedInput: boolean;
}

interface SeriesJson {
  what: string;
  endToEndMs: LatencySummary;
  /** p50 minus Baton's p50: what the switch saves (negative: it costs). */
  p50VsBatonMs: number | null;
  ordersPerSecond: number | null;
  /** The worker's CPU milliseconds per order over the throughput rounds (every order they ran, ramp and drain included). */
  workerCpuMsPerOrder: number | null;
  /** The Temporal server's, over the same rounds: only this series' orders were in flight in them. */
  serverCpuMsPerOrder: number | null;
  /**
   * The worker's, the server's, the sample services' and the driver's together (and the API's, for `viaApi`). On the
   * saturated machine of the throughput rounds, the raw SDK's figure ÷ this one is about the saga throughput ratio this series would read.
   */
  machineCpuMsPerOrder: number | null;
  /** The same, round by round: how far a series' rounds scatter, which is what a switch's cost must stand out from. */
  machineCpuMsPerOrderByRound: (number | null)[];
  /**
   * This series' machine CPU per order minus Baton's, pass by pass (each pass runs every series once): what switching
   * the feature off saves (negative) or costs, with its standard error and 95% interval. Null for Baton itself.
   */
  machineCpuMsVsBaton: PairsEstimate | null;
  history: HistoryShape;
}

export interface SagaCostsJson {
  ratePerSecond: number;
  concurrency: number;
  series: Record<Series, SeriesJson>;
}

const scratch = mkdtempSync(join(tmpdir(), 'baton-costs-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** The workflow bundle with `@temporalio/workflow` seen through a shim that switches `off` off. */
async function variantBundle(name: string, off: Switches): Promise<string> {
  const real = createRequire(import.meta.url).resolve('@temporalio/workflow');
  const shim = join(scratch, `workflow-${name}.mjs`);
  writeFileSync(
    shim,
    [
      `export * from ${JSON.stringify(real)};`,
      `import * as real from ${JSON.stringify(real)};`,
      `const answeredFalse = new Set(${JSON.stringify(off.patches ?? [])});`,
      `export function patched(id) { return answeredFalse.has(id) ? false : ${off.patchMarkers ? 'true' : 'real.patched(id)'}; }`,
      `export function upsertSearchAttributes(attributes) { ${off.statusUpserts ? '' : 'real.upsertSearchAttributes(attributes);'} }`,
      `export function setCurrentDetails(details) { ${off.currentDetails ? '' : 'real.setCurrentDetails(details);'} }`,
      `export function proxyActivities(options) { return real.proxyActivities(${off.summaries ? '{ ...options, summary: undefined }' : 'options'}); }`,
      off.workflowLogs ? 'export const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };' : 'export const log = real.log;',
      '',
    ].join('\n'),
  );
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(quiet),
    ...(off.perRunModules && { preloadModules: [] }),
    webpackConfigHook: withWorkflowStandIn(shim),
  });
  const path = join(scratch, `bundle-${name}.js`);
  writeFileSync(path, code);
  return path;
}

async function historyShape(client: Client, workflowId: string): Promise<HistoryShape> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const { EventType } = proto.temporal.api.enums.v1;
  const count = (type: keyof typeof EventType) => events.filter((e) => e.eventType === EventType[type]).length;
  const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const encoding = new TextDecoder().decode(input?.metadata?.encoding ?? new Uint8Array());
  return {
    events: events.length,
    workflowTasks: count('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'),
    activities: count('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'),
    markers: count('EVENT_TYPE_MARKER_RECORDED'),
    upserts: count('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'),
    summaries: events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.userMetadata?.summary).length,
    encryptedInput: encoding.includes('encrypted'),
  };
}

/** The switches must show in the history: a shim that did not take would measure nothing. */
function checkShape(series: Series, shape: HistoryShape, baton: HistoryShape): void {
  const switches: Switches = series in VARIANTS ? off(series as Variant) : {};
  const wrong = (what: string) => new Error(`saga costs: ${series}'s history ${what}: ${JSON.stringify(shape)}`);
  if (series === 'rawSdk') return;
  if (switches.patchMarkers && shape.markers !== 0) throw wrong('still records patch markers');
  if (!switches.patchMarkers && !switches.patches && shape.markers !== baton.markers) throw wrong(`has ${shape.markers} markers, Baton ${baton.markers}`);
  if (switches.patchMarkers && switches.statusUpserts && shape.upserts !== 0) throw wrong('still upserts');
  if (switches.statusUpserts && shape.upserts >= baton.upserts) throw wrong(`upserts as often as Baton (${baton.upserts})`);
  if (Boolean(switches.summaries) !== (shape.summaries === 0)) throw wrong(switches.summaries ? 'has summaries' : 'has no summaries');
  if (Boolean(switches.encryption) === shape.encryptedInput) throw wrong(switches.encryption ? 'is encrypted' : 'is not encrypted');
  if (switches.patches?.includes(ORDER_PATCHES.moneySafe) && shape.activities !== 3) throw wrong('reads the payment record');
}

export async function sagaCostsBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<SagaCostsJson>> {
  const rate = quick ? 4 : 5;
  const sliceMs = quick ? 3000 : Number(process.env.BENCH_COSTS_SLICE_MS ?? 6000);
  const slices = quick ? 1 : 3;
  const concurrency = 24;
  const roundMs = quick ? 4000 : 8000;
  const rampMs = quick ? 2000 : 4000;
  const rounds = quick ? 1 : Number(process.env.BENCH_COSTS_ROUNDS ?? 2);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`BENCH_COSTS_ROUNDS must be a whole number of rounds, 1 or more: ${process.env.BENCH_COSTS_ROUNDS}`);
  const stage = await startSagaStage(STEP_LATENCY_MS, server);
  const { temporal, urls, parts } = stage;
  try {
    // BENCH_COSTS=baton,noPatchMarkers,rawSdk narrows a run to those series, for a longer look at one switch. On the
    // cluster the default is what its PostgreSQL makes different (markers and upserts are visibility writes there).
    const chosen = process.env.BENCH_COSTS?.split(',').map((s) => s.trim()) ?? (server === 'cluster' ? CLUSTER_SERIES : undefined);
    const wanted = (s: Series) => s === 'baton' || !chosen || chosen.includes(s);
    const variants = (Object.keys(VARIANTS) as Variant[]).filter(wanted);
    console.log(`  bundling ${variants.length} variants`);
    const bundles: Record<string, string> = {};
    // One at a time: webpack on 2 cores gains nothing from seven at once.
    for (const v of variants) bundles[v] = await variantBundle(v, off(v));
    const queue = (s: Series) => `bench-costs-${s}`;
    const workers = await Promise.all(
      variants.map((v) =>
        startBatonWorker(temporal, queue(v), urls, {
          BATON_WORKFLOW_BUNDLE: bundles[v]!,
          ...(off(v).encryption && { BATON_PAYLOAD_KEYS: 'off' }),
          ...off(v).env,
        }),
      ),
    );
    const [api, rawWorker] = await Promise.all([startApi(temporal, queue('baton'), urls), startRawWorker(temporal, queue('rawSdk'), urls)]);
    parts.push(...workers, api, rawWorker);
    const workerOf = (s: Series) => (s === 'rawSdk' ? rawWorker : workers[variants.indexOf(s === 'viaApi' ? 'baton' : s)]!);
    const http = apiClient(api.url);
    parts.push({ stop: () => http.close() });

    const clientOf = (v: Variant) => (off(v).encryption ? temporal.client : temporal.batonClient);
    let seq = 0;
    const lastOrder: Partial<Record<Series, string>> = {};
    const orderOf = (s: Series) => {
      const order = orderRequest(`cost-${s}`, seq++);
      lastOrder[s] = order.orderId;
      return order;
    };
    const sends: Record<Series, () => Promise<boolean>> = {
      ...(Object.fromEntries(
        variants.map((v) => [
          v,
          async () => {
            const order = orderOf(v);
            await startOrderAsApi(clientOf(v), queue(v), order);
            return orderCompleted(clientOf(v), order.orderId);
          },
        ]),
      ) as Record<Variant, () => Promise<boolean>>),
      viaApi: async () => {
        const order = orderOf('viaApi');
        return (await http.post(order)).status === 202 && (await orderCompleted(temporal.batonClient, order.orderId));
      },
      rawSdk: () => runRawOrder(temporal.client, queue('rawSdk'), orderOf('rawSdk')),
    };
    const series = [...variants.slice(0, 1), 'viaApi' as const, ...variants.slice(1), 'rawSdk' as const].filter(wanted);
    const loops = Object.fromEntries(series.map((s) => [s, new OpenLoop({ send: sends[s], close: () => Promise.resolve() } satisfies Target)])) as Record<
      Series,
      OpenLoop
    >;

    console.log('  warming up and checking each variant took');
    for (const s of series) await loops[s].run(rate, 2000, 10_000);
    const shapes = {} as Record<Series, HistoryShape>;
    for (const s of series) {
      const id = s === 'rawSdk' ? `raw-${lastOrder[s]!}` : orderWorkflow.workflowId(lastOrder[s]!);
      shapes[s] = await historyShape(temporal.client, id);
    }
    for (const s of series) checkShape(s, shapes[s], shapes.baton);

    console.log(`  latency: ${rate} orders/s, ${slices} x ${sliceMs / 1000} s per series, in turns`);
    const samples = Object.fromEntries(series.map((s) => [s, [] as Samples[]])) as Record<Series, Samples[]>;
    for (const pass of rotatingPasses(series, slices)) {
      for (const s of pass) {
        const { result, samples: sorted } = await loops[s].sample(rate, sliceMs, 10_000);
        samples[s].push(sorted);
        console.log(`    ${s.padEnd(20)} p50 ${fmt(result.p50)} p99 ${fmt(result.p99)} ms (${result.ok} ok, ${result.failed + result.unfinished} failed)`);
      }
    }

    console.log(`  throughput: ${concurrency} orders in flight, ${rounds} x ${roundMs / 1000} s per series, in turns`);
    const tp = Object.fromEntries(
      series.map((s) => [s, { rounds: [] as ClosedLoopResult[], spent: noCpu(), finished: 0, machineMsByRound: [] as (number | null)[] }]),
    ) as Record<Series, { rounds: ClosedLoopResult[]; spent: MachineCpu; finished: number; machineMsByRound: (number | null)[] }>;
    for (const pass of rotatingPasses(series, rounds)) {
      for (const s of pass) {
        // The other series' workers sit idle meanwhile: the server serves this one alone.
        const contender = { workers: [workerOf(s)], ...(s === 'viaApi' && { api }) };
        const [cpuBefore, finishedBefore] = [machineCpuSeconds(tp[s].spent), tp[s].finished];
        const result = await countingCpu(stage, contender, tp[s].spent, () =>
          closedLoop(() => sends[s]().finally(() => tp[s].finished++), concurrency, roundMs, rampMs),
        );
        tp[s].rounds.push(result);
        const roundCpu = round(((machineCpuSeconds(tp[s].spent) - cpuBefore) * 1000) / (tp[s].finished - finishedBefore), 1);
        tp[s].machineMsByRound.push(roundCpu);
        console.log(
          `    ${s.padEnd(20)} ${fmt(result.throughput, 1)} completed orders/s (${result.failed} failed), machine CPU ${fmt(roundCpu ?? NaN, 1)} ms per order`,
        );
      }
    }
    const msPerOrder = (s: Series, seconds: number) => round((seconds * 1000) / tp[s].finished, 2);

    const e2e = Object.fromEntries(series.map((s) => [s, summarize(mergeSamples(samples[s]))])) as Record<Series, LatencySummary>;
    const whatOf = (s: Series) => (s === 'viaApi' ? 'Baton as shipped, started by POST /orders' : s === 'rawSdk' ? 'the raw-SDK baseline' : VARIANTS[s].what);
    const json: SagaCostsJson = {
      ratePerSecond: rate,
      concurrency,
      series: Object.fromEntries(
        series.map((s) => {
          const perSecond = throughputOf(tp[s].rounds);
          return [
            s,
            {
              what: whatOf(s),
              endToEndMs: e2e[s],
              p50VsBatonMs: round(e2e.baton.p50 - e2e[s].p50, 1),
              ordersPerSecond: round(perSecond, 1),
              workerCpuMsPerOrder: msPerOrder(s, tp[s].spent.workers),
              serverCpuMsPerOrder: msPerOrder(s, tp[s].spent.server),
              machineCpuMsPerOrder: msPerOrder(s, machineCpuSeconds(tp[s].spent)),
              machineCpuMsPerOrderByRound: tp[s].machineMsByRound,
              machineCpuMsVsBaton:
                s === 'baton' ? null : roundedEstimate(estimateOfPairs(perPair(tp[s].machineMsByRound, tp.baton.machineMsByRound, (a, b) => a - b))),
              history: shapes[s],
            },
          ];
        }),
      ) as Record<Series, SeriesJson>,
    };
    const raw = json.series.rawSdk;
    const rows: Row[] = series.map((s) => {
      const j = json.series[s];
      const h = j.history;
      const cpu = `CPU/order: worker ${fmt(j.workerCpuMsPerOrder ?? NaN, 1)}, server ${fmt(j.serverCpuMsPerOrder ?? NaN, 1)}, all ${fmt(j.machineCpuMsPerOrder ?? NaN, 1)} ms`;
      // What the saga throughput ratio would read with only this series' switch: the machine is saturated in these rounds.
      const vsRaw = raw && s !== 'rawSdk' ? ` (raw SDK's ÷ this ${fmt((raw.machineCpuMsPerOrder ?? NaN) / (j.machineCpuMsPerOrder ?? NaN), 2)})` : '';
      // Pass by pass against Baton: the pooled figures cannot tell a switch's cost from the rounds' scatter.
      const vsBaton = j.machineCpuMsVsBaton ? `; machine CPU per order against Baton's, pass by pass, ${formatEstimate(j.machineCpuMsVsBaton, 1, ' ms')}` : '';
      return {
        benchmark: 'saga costs',
        figure: s,
        baton: `p50 ${fmt(j.endToEndMs.p50, 1)} ms, ${fmt(j.ordersPerSecond ?? NaN, 1)}/s`,
        baseline: s === 'baton' ? 'the reference' : `${(j.p50VsBatonMs ?? 0) >= 0 ? 'saves' : 'costs'} ${fmt(Math.abs(j.p50VsBatonMs ?? NaN), 1)} ms`,
        result: `${h.workflowTasks} WFT, ${h.activities} calls, ${h.markers} markers, ${h.upserts} upserts; ${cpu}${vsRaw}${vsBaton}`,
        target: '',
      };
    });
    return { json, rows };
  } finally {
    await stopAll(parts);
  }
}
