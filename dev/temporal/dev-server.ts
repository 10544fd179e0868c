// Starts a real `temporal server start-dev`: persistent (SQLite file) with the Web UI for the launcher,
// in memory on a free port for the tests. With a binary at hand we run it ourselves in its own process
// group, so a Ctrl-C reaches the launcher first and the server stops last, after the workers drained;
// without one, the SDK downloads and runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Connection } from '@temporalio/client';
import { waitForFrontend } from './frontend-ready';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../ports';
import { resolveTemporalCli } from './temporal-binaries';

export interface DevServerOptions {
  /** SQLite file that keeps runs across restarts; in-memory when absent. */
  dbFilename?: string;
  ip?: string;
  /** Frontend port; a free one when absent. */
  port?: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The codec endpoint the Web UI decodes payloads with (e.g. http://localhost:3000/codec); only with a UI. */
  uiCodecEndpoint?: string;
  /** Search attributes to register at start, as `name=Type` (e.g. `CustomerId=Keyword`). */
  searchAttributes?: string[];
  /** SQLite pragmas for a `dbFilename` server, e.g. `{ journal_mode: 'wal' }`; see DEFAULT_SQLITE_PRAGMAS. */
  sqlitePragmas?: Record<string, string>;
  /** `--dynamic-config-value KEY=JSON` settings; DEFAULT_DYNAMIC_CONFIG for a `dbFilename` server when absent. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where the server's own log lines go; ignored when absent. */
  onLog?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  /** Which binary runs it, for logs. */
  source: string;
  pid?: number;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = resolveTemporalCli();
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const launchOptions: LaunchOptions = { ...options, ip, namespace, port: options.port ?? (await freePort(ip)) };
  const server = await launch(cli, launchOptions);
  let added: boolean;
  try {
    added = await ensureSearchAttributes(server.address, namespace, options.searchAttributes ?? []);
  } catch (err) {
    await server.stop();
    throw err;
  }
  if (!added) return server;
  // A running server reads its search attributes once a minute (DEFAULT_DYNAMIC_CONFIG): a start that sets one
  // it added just now would be refused until then. Started again, it knows them from the first request.
  await server.stop();
  return launch(cli, launchOptions);
}

type LaunchOptions = DevServerOptions & Required<Pick<DevServerOptions, 'ip' | 'namespace' | 'port'>>;

async function launch(cli: ReturnType<typeof resolveTemporalCli>, options: LaunchOptions): Promise<DevServer> {
  const { ip, namespace, port } = options;
  if (cli.executable.type === 'cached-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli.executable,
        ip,
        port,
        namespace,
        ...(options.dbFilename !== undefined && { dbFilename: options.dbFilename }),
        ...(options.uiPort !== undefined && { ui: true, uiPort: options.uiPort }),
        log: { format: 'json', level: options.logLevel ?? 'warn' },
        extraArgs: [
          ...(options.searchAttributes ?? []).flatMap((sa) => ['--search-attribute', sa]),
          ...tuningArgs(options),
          ...(options.uiPort !== undefined && options.uiCodecEndpoint !== undefined ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ],
      },
    });
    return { address: env.address, namespace, source: cli.source, stop: () => env.teardown() };
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-format', 'json', '--log-level', options.logLevel ?? 'warn');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (options.uiPort !== undefined) {
    args.push('--ui-port', String(options.uiPort));
    if (options.uiCodecEndpoint !== undefined) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  } else args.push('--headless');
  for (const sa of options.searchAttributes ?? []) args.push('--search-attribute', sa);
  args.push(...tuningArgs(options));

  const child = spawn(cli.executable.path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => {
    if (options.onLog) for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLog(line);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, child);
  } catch (err) {
    await stopProcessGroup(child);
    throw err;
  }
  return { address, namespace, source: cli.source, pid: child.pid, stop: () => stopProcessGroup(child) };
}

/**
 * SQLite's defaults (rollback journal, an fsync per commit and more) make a file-backed dev server
 * spend most of an order waiting on the disk: every workflow and activity task is a transaction.
 * WAL with synchronous=NORMAL commits without an fsync (the WAL is synced at checkpoints): a crash
 * of the server loses nothing, a power loss can lose the last moments, which a dev server can take.
 * bench/ measured it (README "Benchmarks").
 */
export const DEFAULT_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/**
 * The server's history queues read their next tasks (a workflow task to dispatch, a timer, a visibility
 * write) at most this often per second, per shard. The default, 20, suits a cluster of many shards; the
 * dev server has one, so 20 is its whole rate: past a short burst, each workflow task waited up to 50 ms
 * for its read (an order took 230 ms instead of 130 on the saga benchmark's stack; docs/benchmark-journal.md).
 */
export const QUEUE_POLL_RPS = 1000;

/** The dynamic config that sets the read rate of the transfer, timer and visibility queues. */
export const queuePollRps = (rps: number): Record<string, number> =>
  Object.fromEntries(['transfer', 'timer', 'visibility'].map((queue) => [`history.${queue}ProcessorMaxPollRPS`, rps]));

/**
 * How many partitions each task queue has (the server's default is 4). Partitions spread a queue over matching
 * hosts; the dev server is one process, so with four a task can only be forwarded between them, and once any
 * partition holds a backlog the queue hands out its tasks from the database before matching any to a waiting poller:
 * with four, the raw SDK's throughput swung from server to server, with one it did not (docs/benchmark-journal.md). The
 * cluster keeps the default. A file an earlier server wrote with four loses none of the tasks it holds
 * (test/integration/foundation/dev-server.test.ts).
 */
export const taskQueuePartitions = (n: number): Record<string, number> => ({
  'matching.numTaskqueueReadPartitions': n,
  'matching.numTaskqueueWritePartitions': n,
});

/**
 * Eager activity dispatch: the server hands a workflow's next activity to the worker in the answer to
 * the workflow task that scheduled it (the SDK asks for it by default, the server only obliges with
 * this flag), which saves a matching round trip and a write per step. For file-backed servers, with
 * the pragmas; the tests' in-memory servers keep the server's defaults.
 */
export const DEFAULT_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'system.enableActivityEagerExecution': true,
  // Fair dispatch by each order's fairness key (its customer): deploy/temporal/dynamicconfig/docker.yaml does the same.
  'matching.enableFairness': true,
  // The CLI turns this on: every look-up of the search attributes' types (a start or upsert that sets them, a
  // visibility record that has them, any history handed out) then reads the cluster metadata from SQLite, one caller
  // at a time; a card order took about 5 ms longer with it (docs/benchmark-journal.md). The cluster never had it
  // (docker.yaml). Off, the server reads them once a minute, and startDevServer starts it again after adding any to
  // an older file.
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  ...queuePollRps(QUEUE_POLL_RPS),
  ...taskQueuePartitions(1),
};

function tuningArgs(options: DevServerOptions): string[] {
  const pragmas = options.dbFilename ? (options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS) : {};
  const dynamicConfig = options.dynamicConfig ?? (options.dbFilename ? DEFAULT_DYNAMIC_CONFIG : {});
  return [
    ...Object.entries(pragmas).flatMap(([name, value]) => ['--sqlite-pragma', `${name}=${value}`]),
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
}

/** temporal.api.enums.v1.IndexedValueType, by the names `--search-attribute name=Type` takes. */
const INDEXED_VALUE_TYPES: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };

/**
 * `--search-attribute` only registers attributes when the dev server creates its database; a SQLite
 * file from before an attribute existed would refuse every start that sets it. Register what is
 * missing through the operator API, so old data folders keep working. True when it added any.
 */
async function ensureSearchAttributes(address: string, namespace: string, specs: readonly string[]): Promise<boolean> {
  if (specs.length === 0) return false;
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, number> = {};
    for (const spec of specs) {
      const [name = '', type = ''] = spec.split('=');
      const code = INDEXED_VALUE_TYPES[type];
      if (!name || code === undefined) throw new Error(`search attribute "${spec}" must be name=Type (${Object.keys(INDEXED_VALUE_TYPES).join(', ')})`);
      if (!customAttributes?.[name]) missing[name] = code;
    }
    if (Object.keys(missing).length === 0) return false;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    return true;
  } finally {
    await connection.close();
  }
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  await waitForFrontend(address, {
    timeoutMs,
    pollMs: 200,
    gone: () => (child.exitCode !== null ? `temporal server start-dev exited with code ${child.exitCode}` : undefined),
  });
}

async function stopProcessGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
