// The parts the Temporal benchmarks run against, each started the way a deployment would start it:
// a dev server persisting to a temporary SQLite file (like `npm start`), the sample services, the
// API (api/main.ts) and the workers (worker/main.ts) as child processes, plus the raw-SDK baseline's
// worker. Workflow bundles are built once per run, so workers start in seconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { BATON_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
import { parseEnv, workerEnv } from '../../../config/env';
import { DEFAULT_DYNAMIC_CONFIG, queuePollRps, startDevServer, taskQueuePartitions, type DevServer } from '../../temporal/dev-server';
import { startTemporalCluster } from '../../temporal/temporal-cluster';
import { createDataConverter, generatePayloadKey } from '../../../lib/payload-codec';
import { freePort } from '../../ports';
import { writeWorkflowBundles } from '../../../worker/workflow-source';
import { BENCH_TOKEN } from '../composition/shared';
import { processTreeCpuSeconds, startChild, type Child } from './children';
import { API_NODE_FLAGS } from '../../../api/node-flags';

export { BENCH_TOKEN };
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
/** Baton encrypts payloads in production, so it does here too: one key per run for the API, worker and driver. */
const PAYLOAD_KEYS = generatePayloadKey('bench');
const batonDataConverter = createDataConverter(parseEnv(workerEnv.pick({ BATON_PAYLOAD_KEYS: true }), { BATON_PAYLOAD_KEYS: PAYLOAD_KEYS }).BATON_PAYLOAD_KEYS);

export type SagaServices = Record<'payments' | 'inventory' | 'shipping', string>;

/**
 * `dev`: the Temporal CLI's dev server on a temporary SQLite file (as `npm start`). `cluster`: Temporal's own
 * server on PostgreSQL, one process per role (dev/temporal/temporal-cluster.ts, as `npm run test:production`).
 */
export type TemporalKind = 'dev' | 'cluster';

export interface Temporal {
  server: Pick<DevServer, 'address' | 'namespace' | 'source' | 'stop'>;
  /** Plain SDK client, as the raw baselines use it. */
  client: Client;
  /** With Baton's data converter: reads and starts Baton's (encrypted) orders. */
  batonClient: Client;
  /**
   * CPU seconds the server has used so far: the dev server's process, or the cluster's roles and its
   * PostgreSQL (the postmaster and its backends). NaN once a process is gone.
   */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const scratch = mkdtempSync(join(tmpdir(), 'baton-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

let serverCount = 0;

/**
 * BENCH_SQLITE_PRAGMAS overrides dev/temporal/dev-server.ts's pragmas for before/after comparisons:
 * `none` for SQLite's own defaults, or `name=value,name=value`.
 */
function pragmasFromEnv(): Record<string, string> | undefined {
  const raw = process.env.BENCH_SQLITE_PRAGMAS;
  if (raw === undefined) return undefined;
  if (raw === 'none') return {};
  return Object.fromEntries(raw.split(',').map((pair) => pair.split('=').map((s) => s.trim()) as [string, string]));
}

/**
 * For before/after comparisons: BENCH_EAGER_ACTIVITIES=0 turns eager activity dispatch off,
 * BENCH_QUEUE_POLL_RPS=20 gives the history queues the server's own read rate (dev-server.ts QUEUE_POLL_RPS), and
 * BENCH_SA_REFRESH_ON_READ=1 has every look-up of the search attributes read the database again, as the CLI does by default,
 * and BENCH_TASK_QUEUE_PARTITIONS=4 gives each task queue the server's own number of partitions.
 */
function dynamicConfigFromEnv(): Record<string, string | number | boolean> {
  const rps = process.env.BENCH_QUEUE_POLL_RPS;
  const partitions = process.env.BENCH_TASK_QUEUE_PARTITIONS;
  return {
    ...(partitions !== undefined && taskQueuePartitions(Number(partitions))),
    ...(process.env.BENCH_EAGER_ACTIVITIES === '0' && { 'system.enableActivityEagerExecution': false }),
    ...(process.env.BENCH_SA_REFRESH_ON_READ === '1' && { 'system.forceSearchAttributesCacheRefreshOnRead': true }),
    ...(rps !== undefined && queuePollRps(Number(rps))),
  };
}

/**
 * A fresh server (a dev server with its own SQLite file, or a cluster on its own PostgreSQL), and a client for the
 * driver. `dynamicConfig` goes over the server's own settings: DEFAULT_DYNAMIC_CONFIG for the dev server, what
 * docker-compose.yml runs the cluster with for the cluster.
 */
export async function startTemporal(kind: TemporalKind = 'dev', dynamicConfig: Record<string, string | number | boolean> = {}): Promise<Temporal> {
  const server =
    kind === 'cluster'
      ? await startTemporalCluster({ dynamicConfig })
      : await startDevServer({
          dynamicConfig: { ...DEFAULT_DYNAMIC_CONFIG, ...dynamicConfig, ...dynamicConfigFromEnv() },
          dbFilename: join(scratch, `temporal-${++serverCount}.sqlite`),
          logLevel: 'error',
          searchAttributes: [...BATON_SEARCH_ATTRIBUTES],
          ...(pragmasFromEnv() && { sqlitePragmas: pragmasFromEnv() }),
        });
  const pids = (): (number | undefined)[] => ('roles' in server ? [...server.roles.map((role) => server.pid(role)), server.postgres.pid()] : [server.pid]);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const batonClient = new Client({ connection, namespace: server.namespace, dataConverter: batonDataConverter });
  return {
    server,
    client,
    batonClient,
    cpuSeconds: () => pids().reduce<number>((sum, pid) => sum + (pid === undefined ? NaN : processTreeCpuSeconds(pid)), 0),
    async stop() {
      await connection.close();
      await server.stop();
    },
  };
}

/** The sample services, with payments, inventory and shipping at a fixed latency each. */
export function startServices(stepLatencyMs: number): Promise<Child<{ urls: SagaServices }>> {
  return startChild<{ urls: SagaServices }>({
    entry: 'dev/bench/lib/services-child.ts',
    ready: 'json',
    env: { BENCH_STEP_LATENCY_MS: String(stepLatencyMs) },
  });
}

const serviceEnv = (urls: SagaServices) => ({ PAYMENTS_URL: urls.payments, INVENTORY_URL: urls.inventory, SHIPPING_URL: urls.shipping });
const temporalEnv = (t: Temporal, taskQueue: string) => ({
  TEMPORAL_ADDRESS: t.server.address,
  TEMPORAL_NAMESPACE: t.server.namespace,
  TEMPORAL_TASK_QUEUE: taskQueue,
});

export interface Api extends Child<RegExpExecArray> {
  url: string;
}

/**
 * BENCH_CPU_PROF=<dir>: the API and worker processes the benchmarks start each write a CPU profile of every thread
 * (`--cpu-prof`) when they stop, in a folder per role under <dir>: `api`, `baton-worker`, `raw-worker`.
 */
function profiling(role: 'api' | 'baton-worker' | 'raw-worker'): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, role)}`] : [];
}

/** `npm run api` with its production defaults (log level info included), starting orders on `taskQueue`. */
export async function startApi(t: Temporal, taskQueue: string, urls?: SagaServices, extraEnv: Record<string, string> = {}): Promise<Api> {
  const port = await freePort();
  const child = await startChild({
    entry: 'api/main.ts',
    nodeArgs: [...API_NODE_FLAGS, ...profiling('api')],
    ready: /api listening on (http:\/\/\S+)/,
    env: {
      ...temporalEnv(t, taskQueue),
      ...(urls && serviceEnv(urls)),
      PORT: String(port),
      HOST: '127.0.0.1',
      BATON_API_TOKENS: BENCH_TOKEN,
      BATON_WEBHOOK_SECRET: WEBHOOK_SECRET,
      BATON_PAYLOAD_KEYS: PAYLOAD_KEYS,
      ...extraEnv,
    },
  });
  return Object.assign(child, { url: child.ready[1] ?? `http://127.0.0.1:${port}` });
}

/**
 * The starts benchmark's HTTP hop alone (dev/bench/starts/bare-api.ts): node:http around the baseline's own
 * `client.workflow.start`, with the API's node flags, starting orders on `taskQueue`.
 */
export async function startBareApi(t: Temporal, taskQueue: string): Promise<Child<{ url: string }>> {
  return startChild<{ url: string }>({ entry: 'dev/bench/starts/bare-api.ts', nodeArgs: API_NODE_FLAGS, ready: 'json', env: temporalEnv(t, taskQueue) });
}

interface Bundles {
  baton: string;
  raw: string;
}

let bundles: Promise<Bundles> | undefined;

/** Baton's bundles exactly as `npm run build` makes them (its workers, without tracing, run the untraced one), and the baseline's; built once per run. */
export function workflowBundles(): Promise<Bundles> {
  bundles ??= (async () => {
    const quiet = { logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } };
    const { traced } = await writeWorkflowBundles(join(scratch, 'baton-bundle.js'), quiet.logger);
    const raw = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../raw-saga/workflows.ts', import.meta.url)), ...quiet });
    const paths = { baton: traced, raw: join(scratch, 'raw-bundle.js') };
    writeFileSync(paths.raw, raw.code);
    return paths;
  })();
  return bundles;
}

/** `npm run worker` on `taskQueue`, with its production defaults; `env` adds tuning variables. */
export async function startBatonWorker(t: Temporal, taskQueue: string, urls: SagaServices, env: Record<string, string> = {}): Promise<Child<RegExpExecArray>> {
  return startChild({
    entry: 'worker/main.ts',
    nodeArgs: profiling('baton-worker'),
    ready: /worker polling task queue/,
    env: {
      ...temporalEnv(t, taskQueue),
      ...serviceEnv(urls),
      BATON_PAYLOAD_KEYS: PAYLOAD_KEYS,
      BATON_WORKFLOW_BUNDLE: (await workflowBundles()).baton,
      ...env,
    },
  });
}

/** The raw-SDK baseline's worker (bench/raw-saga) on `taskQueue`. */
export async function startRawWorker(
  t: Temporal,
  taskQueue: string,
  urls: SagaServices,
  env: Record<string, string> = {},
): Promise<Child<{ taskQueue: string }>> {
  return startChild<{ taskQueue: string }>({
    entry: 'dev/bench/raw-saga/worker.ts',
    nodeArgs: profiling('raw-worker'),
    ready: 'json',
    env: { ...temporalEnv(t, taskQueue), BENCH_SERVICES: JSON.stringify(urls), BENCH_RAW_BUNDLE: (await workflowBundles()).raw, ...env },
  });
}

export interface SagaStage {
  temporal: Temporal;
  urls: SagaServices;
  /** The sample services' process (for its CPU). */
  services: Child<{ urls: SagaServices }>;
  /** What the benchmark started so far, for stopAll; it pushes what it starts next. */
  parts: { stop(): Promise<void> }[];
}

/** A fresh Temporal server and the sample services at `stepLatencyMs`: what every saga benchmark stands on. */
export async function startSagaStage(
  stepLatencyMs: number,
  kind: TemporalKind = 'dev',
  dynamicConfig?: Record<string, string | number | boolean>,
): Promise<SagaStage> {
  const temporal = await startTemporal(kind, dynamicConfig);
  const parts: SagaStage['parts'] = [temporal];
  try {
    const services = await startServices(stepLatencyMs);
    parts.push(services);
    return { temporal, urls: services.ready.urls, services, parts };
  } catch (err) {
    await stopAll(parts);
    throw err;
  }
}

/** Stops everything given, newest first, whatever fails along the way. */
export async function stopAll(parts: { stop(): Promise<void> }[]): Promise<void> {
  for (const part of [...parts].reverse()) await part.stop().catch((err: unknown) => console.error('stopping failed:', err));
}
