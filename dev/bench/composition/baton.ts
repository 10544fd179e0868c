// Child process: Baton serving GET /profiles. By default the real app (createApp with every
// middleware); BENCH_VARIANT=route-only serves the profile router alone, BENCH_VARIANT=engine-only
// the profile composition on bare node:http (no Hono, no validation of the path, no middleware), and
// BENCH_VARIANT=hono-only the baseline's own fan-out through Hono and its Node adapter (no Baton
// code at all), to tell the toolkit's cost from Hono's and the app middleware's.
// BENCH_CACHED_PROFILES=1 (the full app only; the warm run) also serves GET /cached-profiles/{userId}
// from a compositions file: /profiles's three calls, with `cache: true` on users and loyalty.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Client, Connection } from '@temporalio/client';
import { createComposer } from '../../../composition';
import { createLogger } from '../../../lib/logger';
import type { AppDeps } from '../../../api/http/deps';
import { createRouter } from '../../../api/http/router';
import { profile, profileRoutes } from '../../../api/profiles/profile-routes';
import { startApiServer } from '../../../api/server';
import { compileOptionsFor, FileCompositions } from '../../../api/compositions/file-compositions';
import { baselineFanOut } from './baseline-fanout';
import { BENCH_TOKEN, backendUrlsFromEnv } from './shared';
import { recordGcPauses } from '../lib/gc-pauses';

// The benchmark sets the latency it measures beside this process's GC pauses.
recordGcPauses();

/** GET /profiles as a compositions file, its users and loyalty kept as their Cache-Control allows. */
const CACHED_PROFILES_YAML = `compositions:
  - name: cached-profile
    path: /cached-profiles/{userId}
    deadlineMs: 1000
    sources:
      users: { service: users, path: "/users/{input.userId}", required: true, timeoutMs: 800, cache: true }
      orderHistory: { service: orderHistory, path: "/users/{input.userId}/orders", query: { limit: 10 }, timeoutMs: 500, select: /orders }
      loyalty: { service: loyalty, path: "/loyalty/{input.userId}", timeoutMs: 500, cache: true }
    output:
      user: users
      recentOrders: orderHistory
      loyalty: loyalty
`;

async function cachedProfiles(logger: AppDeps['logger']): Promise<FileCompositions> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-compositions-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'compositions.yaml');
  writeFileSync(file, CACHED_PROFILES_YAML);
  return FileCompositions.load(file, { ...compileOptionsFor(backendUrlsFromEnv()), logger });
}

// The composition path never calls Temporal; a lazy connection never dials.
const connection = Connection.lazy({ address: '127.0.0.1:1' });
// The API's own logger (info: a line per request), as in production: the issue keeps request logs on.
const logger = createLogger('api');
const deps: AppDeps = {
  config: {
    apiTokens: [BENCH_TOKEN],
    bodyLimitBytes: 64 * 1024,
    namespace: 'default',
    taskQueue: 'bench',
    temporalUiUrl: 'http://localhost:8233',
    webhookSecrets: ['bench-webhook-secret-0123456789'],
    temporalDeadlineMs: 5000,
    publicUrl: 'http://127.0.0.1:0',
  },
  temporal: { client: new Client({ connection }), connection },
  logger,
  composition: createComposer({ baseUrls: backendUrlsFromEnv() }),
  ...(process.env.BENCH_CACHED_PROFILES === '1' && { fileCompositions: await cachedProfiles(logger) }),
};

function routeOnly(): Promise<string> {
  const app = createRouter();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('requestId', 'bench');
    await next();
  });
  app.route('/', profileRoutes());
  return serveHono(app.fetch);
}

function serveHono(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  return new Promise((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

function engineOnly(): Promise<string> {
  const composer = deps.composition!;
  const server = createServer((req, res) => {
    const userId = (req.url ?? '').split('/')[2] ?? '';
    const timings: string[] = [];
    const onSourceAnswered = (source: string, ms: number) => timings.push(`${source};dur=${ms.toFixed(1)}`);
    void composer.run(profile, { userId }, { onSourceAnswered }).then((outcome) => {
      const body = JSON.stringify(outcome.ok ? outcome.value : { reason: outcome.reason });
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'server-timing': timings.join(', ') };
      res.writeHead(outcome.ok ? 200 : 502, headers);
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function honoOnly(): Promise<string> {
  const fanOut = baselineFanOut(backendUrlsFromEnv());
  const app = new Hono().get('/profiles/:userId', async (c) => {
    const { status, body, serverTiming } = await fanOut(c.req.param('userId'));
    return c.body(body, status === 200 ? 200 : 404, { 'content-type': 'application/json', 'server-timing': serverTiming });
  });
  return serveHono(app.fetch);
}

const variants: Record<string, () => Promise<string>> = {
  app: async () => {
    // A production API process makes a deadline-bound Temporal call as it starts (api/main.ts checks the
    // namespace). The SDK keeps a call's deadline in an AsyncLocalStorage: on Node 20 that turns on a promise
    // hook for every promise in the process, the compositions' too; on Node 24, Baton's (decision 0015), it
    // does not. The full app makes the same call, so it pays what production pays on either; the other
    // variants, which tell the code's layers apart, do not make it.
    await connection.withDeadline(Date.now() + 1000, () => Promise.resolve());
    return (await startApiServer(deps, { port: 0 })).url;
  },
  'route-only': routeOnly,
  'engine-only': engineOnly,
  'hono-only': honoOnly,
};
const start = variants[process.env.BENCH_VARIANT ?? 'app'];
if (!start) throw new Error(`BENCH_VARIANT must be one of ${Object.keys(variants).join(', ')}`);
const url = await start();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('disconnect', () => process.exit(0));
