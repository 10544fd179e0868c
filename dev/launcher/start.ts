// `npm start`: the whole of Baton in one process tree: a Temporal dev server (SQLite under
// BATON_DATA_DIR, Web UI), the six sample services, one worker and the API. Ctrl-C stops it all.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_ENV, SERVICE_NAMES, loadEnvOrExit } from '../../config/env';
import { launcherEnv } from './launcher-env';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { devPayloadKeys } from '../dev-payload-keys';
import { DEV_API_TOKEN_FILE, DEV_WEBHOOK_SECRET_FILE, devSecret } from '../dev-secrets';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { createLogger } from '../../lib/logger';
import { API_NODE_FLAGS } from '../../api/node-flags';

const root = fileURLToPath(new URL('../..', import.meta.url));
const env = loadEnvOrExit(launcherEnv, 'start');
const log = createLogger('launcher');

const children = new Map<string, ChildProcess>();
let devServer: DevServer | undefined;
let stopping = false;

function startRole(name: string, entry: string, extraEnv: Record<string, string>, nodeFlags: readonly string[] = []): ChildProcess {
  // An IPC channel lets each role notice when the launcher is gone, so no part outlives it.
  const child = fork(join(root, entry), [], {
    cwd: root,
    execArgv: [...nodeFlags, '--import', 'tsx'],
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a Ctrl-C reaches only the launcher, which then stops the parts in order.
    detached: true,
  });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      log.error({ role: name, code, signal }, `${name} exited unexpectedly; stopping Baton`);
      void shutdown(1);
    }
  });
  return child;
}

async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  log.info('stopping Baton');
  // The API stops taking requests first, the worker drains its tasks, and Temporal goes last.
  for (const name of ['api', 'worker', 'services']) {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  try {
    await devServer?.stop();
  } catch (err) {
    log.warn({ err }, 'dev server did not stop cleanly');
  }
  log.info('Baton stopped');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

// Payloads are encrypted from the first run: without BATON_PAYLOAD_KEYS, with the data folder's own key
// (created once), so a restart still reads the runs stored before it.
let payloadKeys = env.BATON_PAYLOAD_KEYS;
if (payloadKeys === undefined) {
  try {
    const dev = await devPayloadKeys(resolve(root, env.BATON_DATA_DIR));
    payloadKeys = dev.value;
    log.info(
      { file: dev.path },
      `${dev.created ? 'created the local payload key' : 'payloads encrypted with the local key'} in ${dev.path} (BATON_PAYLOAD_KEYS to use your own)`,
    );
  } catch (err) {
    log.error({ err }, `cannot use the local payload key: ${String(err)}`);
    process.exit(1);
  }
}

// The API token and the webhook secret likewise: random, made once in the data folder, unless set.
const secrets: { apiTokens: string; webhookSecret: string; tokenFile?: string } = {
  apiTokens: env.BATON_API_TOKENS ?? '',
  webhookSecret: env.BATON_WEBHOOK_SECRET ?? '',
};
try {
  const dataDir = resolve(root, env.BATON_DATA_DIR);
  if (!env.BATON_API_TOKENS) {
    const token = await devSecret(dataDir, DEV_API_TOKEN_FILE);
    secrets.apiTokens = token.value;
    secrets.tokenFile = token.path;
  }
  if (!env.BATON_WEBHOOK_SECRET) secrets.webhookSecret = (await devSecret(dataDir, DEV_WEBHOOK_SECRET_FILE)).value;
} catch (err) {
  log.error({ err }, `cannot use the local secrets: ${String(err)}`);
  process.exit(1);
}

const codecEndpoint = `http://localhost:${env.PORT}/codec`;
let temporalAddress = env.TEMPORAL_ADDRESS;
if (temporalAddress) {
  log.info(`using the Temporal server at ${temporalAddress} (TEMPORAL_ADDRESS)`);
} else {
  const dataDir = resolve(root, env.BATON_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const dbFilename = join(dataDir, 'temporal.sqlite');
  devServer = await startDevServer({
    dbFilename,
    port: env.TEMPORAL_PORT,
    uiPort: env.TEMPORAL_UI_PORT,
    logLevel: 'error',
    // CustomerId and OrderStatus (Keyword): orders carry them, the Web UI and GET /orders search by them.
    searchAttributes: [...BATON_SEARCH_ATTRIBUTES],
    // The Web UI decodes payloads through the API's /codec endpoint.
    uiCodecEndpoint: codecEndpoint,
    onLog: (line) => process.stdout.write(`${line}\n`),
  });
  temporalAddress = devServer.address;
  log.info(
    { address: temporalAddress, ui: `http://localhost:${env.TEMPORAL_UI_PORT}`, db: dbFilename, binary: devServer.source },
    `temporal dev server on ${temporalAddress}, Web UI on http://localhost:${env.TEMPORAL_UI_PORT}, data in ${dbFilename}`,
  );
}
if (stopping) process.exit(0);

// A service whose URL is set is called there; the others are served by the sample services.
const serviceUrls: Record<string, string> = {};
const urlOverride = (name: (typeof SERVICE_NAMES)[number]) => (env as Record<string, unknown>)[SERVICE_ENV[name].urlVar] as string | undefined;
const samplesNeeded = SERVICE_NAMES.filter((name) => !urlOverride(name));
for (const name of SERVICE_NAMES) {
  const { urlVar, portVar, defaultPort } = SERVICE_ENV[name];
  const override = urlOverride(name);
  serviceUrls[urlVar] = override ?? `http://127.0.0.1:${process.env[portVar] ?? defaultPort}`;
  if (override) log.info(`${name}: calling ${override} (${urlVar})`);
}
const apiUrl = `http://127.0.0.1:${env.PORT}`;
const shared = {
  TEMPORAL_ADDRESS: temporalAddress,
  TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL ?? `http://localhost:${env.TEMPORAL_UI_PORT}`,
  BATON_API_TOKENS: secrets.apiTokens,
  BATON_WEBHOOK_SECRET: secrets.webhookSecret,
  BATON_PUBLIC_URL: process.env.BATON_PUBLIC_URL ?? apiUrl,
  PORT: String(env.PORT),
  BATON_PAYLOAD_KEYS: payloadKeys,
  ...serviceUrls,
};
// The local Web UI sends no token, so with our own dev server /codec is open to it (and CORS to its origins
// only); a user's own BATON_CODEC_* settings win.
const uiOrigins = `http://localhost:${env.TEMPORAL_UI_PORT},http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
const apiOnly: Record<string, string> = {
  ...(devServer && { BATON_CODEC_AUTH: process.env.BATON_CODEC_AUTH || 'none', BATON_CODEC_CORS_ORIGINS: process.env.BATON_CODEC_CORS_ORIGINS || uiOrigins }),
  // Edited while Baton runs, it is reloaded in place (docs/compositions.md).
  ...(env.BATON_COMPOSITIONS_FILE && { BATON_COMPOSITIONS_FILE: resolve(root, env.BATON_COMPOSITIONS_FILE) }),
};
if (samplesNeeded.length > 0) startRole('services', 'dev/services/main.ts', shared);
startRole('worker', 'worker/main.ts', shared);
// Loopback only by default: this API's /codec is open to the local Web UI.
startRole('api', 'api/main.ts', { ...shared, ...apiOnly, HOST: env.HOST }, API_NODE_FLAGS);
if (secrets.tokenFile) {
  // The token itself stays in its file (and out of logs that may be shared): the command reads it.
  log.info(
    { file: secrets.tokenFile },
    `API token (BATON_API_TOKENS to use your own): TOKEN=$(cat ${secrets.tokenFile}); curl -H "authorization: Bearer $TOKEN" ${apiUrl}/orders`,
  );
}
