// Child process: Baton serving GET /profiles. By default the real app (createApp with every
// middleware); BENCH_VARIANT=route-only serves the profile router alone, to tell the toolkit's cost
// from the app middleware's.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createComposer } from '../../api/composition';
import type { AppDeps } from '../../api/deps';
import { createRouter } from '../../api/router';
import { profileRoutes } from '../../api/routes/profiles';
import { startApiServer } from '../../api/server';
import { BENCH_TOKEN, backendUrlsFromEnv } from './shared';

// The composition path never calls Temporal; a lazy connection never dials.
const connection = Connection.lazy({ address: '127.0.0.1:1' });
const deps: AppDeps = {
  config: {
    apiTokens: [BENCH_TOKEN],
    bodyLimitBytes: 64 * 1024,
    namespace: 'default',
    taskQueue: 'bench',
    temporalUiUrl: 'http://localhost:8233',
    webhookSecret: 'bench-webhook-secret-0123456789',
    temporalDeadlineMs: 5000,
    publicUrl: 'http://127.0.0.1:0',
  },
  temporal: { client: new Client({ connection }), connection },
  logger: pino({ level: 'silent' }),
  composition: createComposer({ baseUrls: backendUrlsFromEnv() }),
};

function routeOnly(): Promise<string> {
  const app = createRouter();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('requestId', 'bench');
    await next();
  });
  app.route('/', profileRoutes());
  return new Promise((resolve) => {
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

const url = process.env.BENCH_VARIANT === 'route-only' ? await routeOnly() : (await startApiServer(deps, { port: 0 })).url;
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('disconnect', () => process.exit(0));
