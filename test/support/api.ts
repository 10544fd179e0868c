// Baton's API over real HTTP, built by createApp against the shared test Temporal server.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { DrainingConnection } from '../../lib/draining-connection';
import { pino } from 'pino';
import { createComposer, type Composer, type ComposerOptions } from '../../composition';
import { startApiServer, type RunningApi } from '../../api/server';
import { createBatonSources } from '../../api/compositions/baton-sources';
import type { AppConfig, AppDeps } from '../../api/http/deps';
import { callbackParams } from '../../api/orders/callback-signature';
import { parseEnv, serviceUrlsEnv } from '../../config/env';
import { serviceUrlsFromEnv } from '../../config/service-urls';
import { testDataConverter } from './payload-keys';

export const TEST_TOKEN = 'test-token-0123456789abcdef';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

/**
 * The query of a payment callback URL as the API issues it: signed for `signedFor`, naming `orderId`
 * (the same by default; null leaves it out), expiring in an hour unless `expiresAt` (Unix seconds) says otherwise.
 */
export function callbackQuery(secret: string, signedFor: string, options: { orderId?: string | null; expiresAt?: number } = {}): string {
  const params = callbackParams(secret, signedFor, options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
  if (options.orderId === null) params.delete('orderId');
  else if (options.orderId !== undefined) params.set('orderId', options.orderId);
  return `?${params.toString()}`;
}
/** What the tests' Prometheus presents on GET /metrics (BATON_METRICS_TOKEN). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';

/** fetch against Baton's API with the test token: an in-process TestApi's `call`, or a child's. */
export type ApiCall = (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

export function apiCaller(baseUrl: () => string): ApiCall {
  return (path, init = {}) => {
    const { json, headers, ...rest } = init;
    return fetch(baseUrl() + path, {
      ...rest,
      headers: {
        authorization: `Bearer ${TEST_TOKEN}`,
        ...(json !== undefined && { 'content-type': 'application/json' }),
        ...(headers as Record<string, string> | undefined),
      },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  };
}

export interface TestApi extends RunningApi {
  client: Client;
  connection: DrainingConnection;
  composition: Composer;
  /** fetch against the API with the test bearer token; needs no `this`, so it can be passed around. */
  call: ApiCall;
  stopAll(): Promise<void>;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function startTestApi(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  config?: Partial<AppConfig>;
  /** Downstream URLs (default: the sample services' default ports), breaker, retry and deadlines. */
  composition?: Partial<ComposerOptions>;
  /** Workflow types served under /workflows (default: contracts/registry.ts). */
  workflows?: AppDeps['workflows'];
  /** Where the API logs (default: nowhere). */
  logger?: AppDeps['logger'];
  /** The port to listen on (default: any free one). */
  port?: number;
  /** Dial Temporal only when a route needs it, as api/main.ts does: the API starts even with nothing at `address`. */
  lazy?: boolean;
}): Promise<TestApi> {
  const connection = options.lazy
    ? DrainingConnection.lazy({ address: options.address, connectTimeout: '1 second' })
    : await DrainingConnection.connect({ address: options.address });
  // The test keys, as every worker a test starts has them (startChild): orders go to Temporal encrypted.
  const client = new Client({ connection, namespace: options.namespace, dataConverter: testDataConverter() });
  const config: AppConfig = {
    apiTokens: [TEST_TOKEN],
    bodyLimitBytes: 64 * 1024,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    temporalUiUrl: 'http://localhost:8233',
    webhookSecrets: [TEST_WEBHOOK_SECRET],
    publicUrl: 'http://127.0.0.1:0',
    temporalDeadlineMs: 5000,
    ...options.config,
  };
  // As api/main.ts builds it: the `baton` sources read orders through this API's own client.
  const composition = createComposer({
    baseUrls: serviceUrlsFromEnv(parseEnv(serviceUrlsEnv, {})),
    baton: createBatonSources({ client, connection }, { ...(options.composition?.breaker && { breaker: options.composition.breaker }) }),
    ...options.composition,
  });
  const api = await startApiServer(
    {
      config,
      temporal: { client, connection },
      logger: options.logger ?? pino({ level: 'silent' }),
      composition,
      ...(options.workflows && { workflows: options.workflows }),
    },
    { port: options.port ?? 0 },
  );
  // The payments service calls back to the API, so the public URL is the one we just bound.
  if (!options.config?.publicUrl) config.publicUrl = api.url;
  return {
    ...api,
    client,
    connection,
    composition,
    call: apiCaller(() => api.url),
    async stopAll() {
      await api.close();
      await composition.close();
      await connection.close();
    },
  };
}
