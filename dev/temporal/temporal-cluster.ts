// A real Temporal cluster on one machine, for the production test tier and the cluster benchmarks:
// Temporal's own server (dev/temporal/temporal-server.sh builds it) on a PostgreSQL instance of our own, each
// service role a process of its own (frontend, history ×2, matching, worker), with the server config and
// the bootstrap that docker-compose.yml uses (deploy/temporal/config.yaml and bootstrap.sh). Any role, and
// PostgreSQL, can be killed and started again on the same ports and data.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { waitForFrontend } from './frontend-ready';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { createServer } from 'node:net';
import { startPostgres, type Postgres } from './postgres';
import { resolveTemporalCli } from './temporal-binaries';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const TEMPORAL_DEPLOY = join(repoRoot, 'deploy', 'temporal');
export const TEMPORAL_SERVER_CONFIG = join(TEMPORAL_DEPLOY, 'config.yaml');
export const TEMPORAL_BOOTSTRAP = join(TEMPORAL_DEPLOY, 'bootstrap.sh');
export const DYNAMIC_CONFIG = join(TEMPORAL_DEPLOY, 'dynamicconfig', 'docker.yaml');

/**
 * The folder holding temporal-server and temporal-sql-tool: TEMPORAL_SERVER_BIN_DIR, else what
 * dev/temporal/temporal-server.sh prints (it copies them from the machine's cache, or builds them: minutes).
 */
export function ensureTemporalServerBinaries(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_SERVER_BIN_DIR) return env.TEMPORAL_SERVER_BIN_DIR;
  return execFileSync('bash', [join(repoRoot, 'dev', 'temporal', 'temporal-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** docker.yaml with `settings` in place of its own values for those keys, written into `dir`; returns the file. */
export async function writeDynamicConfig(dir: string, settings: Record<string, string | number | boolean>): Promise<string> {
  const config = parse(await readFile(DYNAMIC_CONFIG, 'utf8')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(settings)) config[key] = [{ value, constraints: {} }];
  const file = join(dir, 'dynamicconfig.yaml');
  await writeFile(file, stringify(config));
  return file;
}

export type ClusterRole = 'frontend' | 'matching' | 'worker' | `history-${number}`;

export interface TemporalClusterOptions {
  /** Folder with temporal-server and temporal-sql-tool (default: ensureTemporalServerBinaries()). */
  binDir?: string;
  /** History processes (default 2). */
  historyProcesses?: number;
  namespace?: string;
  /** The namespace's retention (default 24h). */
  retention?: string;
  /** The server's log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra environment for every role, e.g. NUM_HISTORY_SHARDS. */
  env?: Record<string, string>;
  /** Dynamic config settings over deploy/temporal/dynamicconfig/docker.yaml's, each for every namespace and task queue. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Every log line of every role and of PostgreSQL. */
  onLog?: (source: string, line: string) => void;
}

export interface TemporalCluster {
  /** The frontend's gRPC address. */
  address: string;
  namespace: string;
  /** For logs. */
  source: string;
  postgres: Postgres;
  roles: readonly ClusterRole[];
  pid(role: ClusterRole): number | undefined;
  /** SIGKILLs one role's process (default), as a crash or an OOM kill would. */
  kill(role: ClusterRole, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a role again on its ports; for the frontend, resolves once it serves. */
  start(role: ClusterRole): Promise<void>;
  /** The last lines a role logged (for failure messages). */
  recentLog(role: ClusterRole): string;
  stop(): Promise<void>;
}

interface RoleProcess {
  service: 'frontend' | 'history' | 'matching' | 'worker';
  env: Record<string, string>;
  child?: ChildProcess;
  recent: string[];
}

export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const binDir = options.binDir ?? ensureTemporalServerBinaries();
  const cli = resolveTemporalCli();
  if (cli.executable.type !== 'existing-path') throw new Error('the temporal CLI is needed for the bootstrap: run npm run setup');
  const namespace = options.namespace ?? 'default';
  const dir = await mkdtemp(join(tmpdir(), 'baton-cluster-'));
  const log = options.onLog ?? (() => undefined);
  const dynamicConfig = options.dynamicConfig ?? {};

  let postgres: Postgres | undefined;
  const roles = new Map<ClusterRole, RoleProcess>();
  // Should the process that started the cluster die without stopping it, nothing of it may outlive it.
  const killAll = () => {
    for (const role of roles.values()) role.child?.kill('SIGKILL');
    postgres?.killSync();
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    await Promise.all([...roles.values()].map((role) => stopProcess(role.child)));
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    postgres = await startPostgres({ dir, onLog: (line) => log('postgres', line) });
    const database = { POSTGRES_SEEDS: postgres.host, DB_PORT: String(postgres.port), POSTGRES_USER: postgres.user, POSTGRES_PWD: '' };
    await bootstrap('schema', { ...database, TEMPORAL_SQL_TOOL: join(binDir, 'temporal-sql-tool') }, log);

    const taken = new Set<number>();
    const port = () => freeLowPort(taken);
    const ports = {
      FRONTEND_GRPC_PORT: await port(),
      FRONTEND_MEMBERSHIP_PORT: await port(),
      FRONTEND_HTTP_PORT: await port(),
      MATCHING_GRPC_PORT: await port(),
      MATCHING_MEMBERSHIP_PORT: await port(),
      WORKER_GRPC_PORT: await port(),
      WORKER_MEMBERSHIP_PORT: await port(),
    };
    const common: Record<string, string> = {
      ...database,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      BIND_ON_IP: '127.0.0.1',
      TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: Object.keys(dynamicConfig).length > 0 ? await writeDynamicConfig(dir, dynamicConfig) : DYNAMIC_CONFIG,
      LOG_LEVEL: options.logLevel ?? 'warn',
      // The history processes share the shards; a few per process keeps start-up and hand-over quick on 2 cores.
      NUM_HISTORY_SHARDS: '8',
      ...options.env,
    };
    roles.set('frontend', { service: 'frontend', env: common, recent: [] });
    roles.set('matching', { service: 'matching', env: common, recent: [] });
    roles.set('worker', { service: 'worker', env: common, recent: [] });
    for (let i = 1; i <= (options.historyProcesses ?? 2); i++) {
      roles.set(`history-${i}`, {
        service: 'history',
        env: { ...common, HISTORY_GRPC_PORT: String(await port()), HISTORY_MEMBERSHIP_PORT: String(await port()) },
        recent: [],
      });
    }

    const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
    const startRole = async (name: ClusterRole) => {
      const role = roles.get(name);
      if (!role) throw new Error(`no role ${name}; the cluster has ${[...roles.keys()].join(', ')}`);
      if (role.child && role.child.exitCode === null && role.child.signalCode === null) throw new Error(`${name} is running`);
      const child = spawn(join(binDir, 'temporal-server'), ['--config-file', TEMPORAL_SERVER_CONFIG, '--allow-no-auth', 'start', '--service', role.service], {
        env: { PATH: process.env.PATH ?? '', ...role.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          // Go stack traces make lines long; the message comes first.
          role.recent = [...role.recent.slice(-60), line.slice(0, 600)];
          log(name, line);
        }
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      role.child = child;
      if (name === 'frontend') await waitUntilServing(address, child, () => role.recent.join('\n'));
    };

    // The frontend alone can create the namespace and register the search attributes (both are rows in
    // PostgreSQL). The other roles start after that, so their search-attribute caches are current from the
    // start and the bootstrap need not wait for them to refresh. They find each other through the
    // membership table.
    await startRole('frontend');
    await bootstrap(
      'namespace',
      {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_NAMESPACE_RETENTION: options.retention ?? '24h',
        BATON_SEARCH_ATTRIBUTES: BATON_SEARCH_ATTRIBUTES.join(' '),
        BOOTSTRAP_SETTLE_SECONDS: '0',
        TEMPORAL_CLI: cli.executable.path,
      },
      log,
    );
    await Promise.all([...roles.keys()].filter((name) => name !== 'frontend').map(startRole));

    const pg = postgres;
    return {
      address,
      namespace,
      source: `temporal-server in ${binDir} on PostgreSQL ${pg.host}:${pg.port}`,
      postgres: pg,
      roles: [...roles.keys()],
      pid: (name) => {
        const child = roles.get(name)?.child;
        return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
      },
      async kill(name, signal = 'SIGKILL') {
        const child = roles.get(name)?.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} is not running`);
        child.kill(signal);
        await once(child, 'exit');
      },
      start: startRole,
      recentLog: (name) => roles.get(name)?.recent.join('\n') ?? '',
      stop,
    };
  } catch (err) {
    const logs = [...roles.entries()].map(([name, role]) => `--- ${name}\n${role.recent.slice(-15).join('\n')}`).join('\n');
    await stop();
    throw new Error(`the Temporal cluster did not start: ${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
  }
}

/**
 * A free port below 32768: Temporal keeps each member's port in a PostgreSQL smallint
 * (cluster_membership.rpc_port), so the ephemeral ports the OS hands out (32768 and up) fail its heartbeat.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(candidate)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(candidate);
      return candidate;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}

const run = promisify(execFile);

/** deploy/temporal/bootstrap.sh, the same one docker-compose.yml runs. */
async function bootstrap(step: 'schema' | 'namespace', env: Record<string, string>, log: (source: string, line: string) => void): Promise<void> {
  try {
    const { stdout, stderr } = await run('sh', [TEMPORAL_BOOTSTRAP, step], { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 });
    for (const line of `${stdout}\n${stderr}`.split('\n')) if (line.trim()) log(`bootstrap ${step}`, line);
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`bootstrap.sh ${step} failed:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`, { cause: err });
  }
}

async function waitUntilServing(address: string, child: ChildProcess, log: () => string, timeoutMs = 90_000): Promise<void> {
  try {
    await waitForFrontend(address, {
      timeoutMs,
      gone: () => (child.exitCode !== null || child.signalCode !== null ? `the frontend exited (${child.exitCode ?? child.signalCode})` : undefined),
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${log()}`, { cause: err });
  }
}

async function stopProcess(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
