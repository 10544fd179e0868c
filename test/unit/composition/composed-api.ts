// Baton's app over real HTTP without Temporal: the composition routes never reach it, and the lazy
// connection only dials on a Temporal call.
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createComposer, type Composer, type ComposerOptions } from '../../../composition';
import { startApiServer, type RunningApi } from '../../../api/server';
import type { AppConfig, AppDeps } from '../../../api/http/deps';
import { unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';

export { UNIT_TOKEN as TOKEN } from '../../support/unit-app';

export interface ComposedApi extends RunningApi {
  composition: Composer;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** `overrides` swap in other config values or a fake Temporal (test/unit/api/fake-temporal.ts) for the routes that use it. */
export async function startComposedApi(
  composer: ComposerOptions,
  overrides: { config?: Partial<AppConfig>; temporal?: AppDeps['temporal'] } = {},
): Promise<ComposedApi> {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const composition = createComposer(composer);
  const api = await startApiServer(
    {
      config: unitConfig({
        bodyLimitBytes: 64 * 1024,
        taskQueue: 'unused',
        webhookSecrets: ['unit-test-webhook-secret-0123'],
        publicUrl: 'http://127.0.0.1:0',
        ...overrides.config,
      }),
      temporal: overrides.temporal ?? { client: new Client({ connection }), connection },
      logger: pino({ level: 'silent' }),
      composition,
    },
    { port: 0 },
  );
  return {
    ...api,
    composition,
    get: (path, headers = { authorization: `Bearer ${TOKEN}` }) => fetch(api.url + path, { headers }),
    async stop() {
      await api.close();
      await composition.close();
      await connection.close();
    },
  };
}
