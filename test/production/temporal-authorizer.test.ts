// Temporal's own JWT authorizer, as docker-compose.yml turns it on: Temporal's real server with
// deploy/temporal/config.yaml and TEMPORAL_JWT_KEY_SOURCE pointing at an identity provider whose JWKS this process
// serves over HTTP, on PostgreSQL. Calls without a token, with a forged one or with too few permissions are refused;
// Baton's API, sending the token of TEMPORAL_AUTH_TOKEN_FILE, starts and reads runs; the namespace setup goes
// through the internal frontend, which checks no token.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { waitForFrontend } from '../../dev/temporal/frontend-ready';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startPostgres, type Postgres } from '../../dev/temporal/postgres';
import { resolveTemporalCli } from '../../dev/temporal/temporal-binaries';
import { TEMPORAL_BOOTSTRAP, TEMPORAL_SERVER_CONFIG } from '../../dev/temporal/temporal-cluster';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../support/api';
import { TestIdentityProvider } from '../support/identity-provider';
import { startSampleServices, type RunningSampleServices } from '../../dev/services';
import { type ChildHandle, repoRoot, serviceUrlEnv, startChild, WORKER_READY } from '../support/processes';

const run = promisify(execFile);
const AUDIENCE = 'temporal';
const NAMESPACE = 'default';
// gRPC status codes of a refusal.
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

let dir: string;
let idp: TestIdentityProvider;
let postgres: Postgres | undefined;
let server: ChildProcess | undefined;
let serverLog = '';
let api: ChildHandle | undefined;
let worker: ChildHandle | undefined;
let services: RunningSampleServices | undefined;
let frontend = '';
let internalFrontend = '';

/** Temporal keeps member ports in a smallint: below 32768. */
async function lowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

async function serving(address: string, timeoutMs = 120_000): Promise<void> {
  try {
    await waitForFrontend(address, {
      timeoutMs,
      pollMs: 300,
      gone: () => (server !== undefined && server.exitCode !== null ? `the frontend exited (${server.exitCode})` : undefined),
      // A refusal is an answer: the frontend serves, and its authorizer is on.
      servesWhen: (err) => [PERMISSION_DENIED, UNAUTHENTICATED].includes((err as { code?: number }).code ?? -1),
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${serverLog.slice(-4000)}`, { cause: err });
  }
}

const temporalToken = (permissions: string[], options: { aud?: string; kid?: string } = {}) =>
  idp.token({ aud: options.aud ?? AUDIENCE, sub: 'baton', claims: { permissions }, ...(options.kid && { kid: options.kid }) });

/** Lists the namespace's runs with this bearer token (none: no header); resolves to the gRPC status code, 0 for OK. */
async function listWith(token: string | undefined): Promise<number> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: frontend, tls: false, ...(token !== undefined && { apiKey: token }) });
    await connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 1 });
    return 0;
  } catch (err) {
    // The SDK wraps what connect() meets in a ServiceError; the gRPC code is on it or on its cause.
    const e = err as { code?: number; cause?: { code?: number } };
    const code = e.code ?? e.cause?.code;
    if (code === undefined) throw err;
    return code;
  } finally {
    await connection?.close();
  }
}

beforeAll(async () => {
  const binDir = inject('temporalServerBinDir');
  const cli = resolveTemporalCli();
  if (cli.executable.type !== 'existing-path') throw new Error('the temporal CLI is needed: run npm run setup');
  dir = await mkdtemp(join(tmpdir(), 'baton-authorizer-'));
  idp = await TestIdentityProvider.start({ algs: ['RS256'] });
  postgres = await startPostgres({ dir });
  const database = { POSTGRES_SEEDS: postgres.host, DB_PORT: String(postgres.port), POSTGRES_USER: postgres.user, POSTGRES_PWD: '' };
  await run('sh', [TEMPORAL_BOOTSTRAP, 'schema'], { env: { PATH: process.env.PATH ?? '', ...database, TEMPORAL_SQL_TOOL: join(binDir, 'temporal-sql-tool') } });

  const taken = new Set<number>();
  const names = [
    'FRONTEND_GRPC_PORT',
    'FRONTEND_MEMBERSHIP_PORT',
    'FRONTEND_HTTP_PORT',
    'INTERNAL_FRONTEND_GRPC_PORT',
    'INTERNAL_FRONTEND_MEMBERSHIP_PORT',
    'INTERNAL_FRONTEND_HTTP_PORT',
    'HISTORY_GRPC_PORT',
    'HISTORY_MEMBERSHIP_PORT',
    'MATCHING_GRPC_PORT',
    'MATCHING_MEMBERSHIP_PORT',
    'WORKER_GRPC_PORT',
    'WORKER_MEMBERSHIP_PORT',
  ];
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await lowPort(taken));
  frontend = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  internalFrontend = `127.0.0.1:${ports.INTERNAL_FRONTEND_GRPC_PORT}`;
  // Every role in one process, with the authorizer on exactly as compose sets it.
  server = spawn(
    join(binDir, 'temporal-server'),
    ['--config-file', TEMPORAL_SERVER_CONFIG, 'start', ...['frontend', 'internal-frontend', 'history', 'matching', 'worker'].flatMap((s) => ['--service', s])],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ...database,
        ...ports,
        BIND_ON_IP: '127.0.0.1',
        TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
        DYNAMIC_CONFIG_FILE_PATH: join(repoRoot, 'deploy', 'temporal', 'dynamicconfig', 'docker.yaml'),
        LOG_LEVEL: 'warn',
        NUM_HISTORY_SHARDS: '4',
        TEMPORAL_JWT_KEY_SOURCE: idp.jwksUrl,
        TEMPORAL_JWT_AUDIENCE: AUDIENCE,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    serverLog = (serverLog + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  await serving(internalFrontend);
  await serving(frontend);
  // The namespace and search attributes, through the internal frontend (as compose's setup job does).
  await run('sh', [TEMPORAL_BOOTSTRAP, 'namespace'], {
    env: {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: internalFrontend,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_NAMESPACE_RETENTION: '24h',
      BATON_SEARCH_ATTRIBUTES: BATON_SEARCH_ATTRIBUTES.join(' '),
      TEMPORAL_CLI: cli.executable.path,
    },
  });
}, 300_000);

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await services?.close();
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const timer = setTimeout(() => server?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await postgres?.stop();
  await idp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Temporal's JWT authorizer with the identity provider's keys", () => {
  it('refuses calls without a token, with a forged or misdirected one, and with too few permissions', async () => {
    expect([PERMISSION_DENIED, UNAUTHENTICATED]).toContain(await listWith(undefined));
    const unknownKid = await idp.unpublishedKey();
    expect([PERMISSION_DENIED, UNAUTHENTICATED]).toContain(await listWith(await temporalToken([`${NAMESPACE}:read`], { kid: unknownKid })));
    expect([PERMISSION_DENIED, UNAUTHENTICATED]).toContain(await listWith(await temporalToken([`${NAMESPACE}:read`], { aud: 'another-api' })));
    expect([PERMISSION_DENIED, UNAUTHENTICATED]).toContain(await listWith(await temporalToken(['another-namespace:admin'])));
    expect(await listWith(await temporalToken([`${NAMESPACE}:read`]))).toBe(0);
  });

  it("lets Baton's API in with the token of TEMPORAL_AUTH_TOKEN_FILE, and keeps one without it out", async () => {
    const tokenFile = join(dir, 'api-temporal-token');
    await writeFile(tokenFile, `${await temporalToken([`${NAMESPACE}:write`])}\n`, { mode: 0o600 });
    const env = {
      TEMPORAL_ADDRESS: frontend,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: 'authorizer-test',
      PORT: '0',
      HOST: '127.0.0.1',
      BATON_API_TOKENS: TEST_TOKEN,
      BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    };
    api = startChild('api/main.ts', { ...env, TEMPORAL_AUTH_TOKEN_FILE: tokenFile });
    const line = await api.waitFor(/api listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    const url = line.slice(line.indexOf('http://'));
    const call = (path: string, init: RequestInit = {}) =>
      fetch(url + path, {
        ...init,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      });
    const started = await call('/workflows/welcomeUser', { method: 'POST', body: JSON.stringify({ userId: 'u-1' }) });
    expect(started.status, `${await started.clone().text()}\n${api.output().slice(-3000)}`).toBe(202);
    const { workflowId } = (await started.json()) as { workflowId: string };
    const read = await call(`/workflows/welcomeUser/${workflowId}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { status: string }).status).toBe('RUNNING');
    expect(api.output()).toMatch(/"temporalSecurity":"plaintext\+jwt"/);

    // A worker with a token of its own polls and finishes the run. Its permission is "<namespace>:write": Temporal's
    // default authorizer ranks roles, and a "worker"-only token cannot even describe the namespace.
    services = await startSampleServices();
    const workerTokenFile = join(dir, 'worker-temporal-token');
    await writeFile(workerTokenFile, `${await temporalToken([`${NAMESPACE}:write`])}\n`, { mode: 0o600 });
    worker = startChild('worker/main.ts', {
      TEMPORAL_ADDRESS: frontend,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TEMPORAL_TASK_QUEUE: 'authorizer-test',
      TEMPORAL_AUTH_TOKEN_FILE: workerTokenFile,
      BATON_WORKFLOW_BUNDLE: inject('workflowBundle'),
      ...serviceUrlEnv(services.urls),
    });
    await worker.waitFor(WORKER_READY, 90_000);
    let status = 'RUNNING';
    for (let i = 0; i < 150 && status === 'RUNNING'; i++) {
      await sleep(200);
      status = ((await (await call(`/workflows/welcomeUser/${workflowId}`)).json()) as { status: string }).status;
    }
    expect(status, worker.output().slice(-3000)).toBe('COMPLETED');

    // The same API without a token: Temporal refuses it, and the client gets no 2xx.
    const anonymous = startChild('api/main.ts', env);
    try {
      const anonLine = await anonymous.waitFor(/api listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
      const anonUrl = anonLine.slice(anonLine.indexOf('http://'));
      const refused = await fetch(`${anonUrl}/workflows/welcomeUser`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'u-anonymous' }),
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
    } finally {
      await anonymous.stop();
    }
  });
});
