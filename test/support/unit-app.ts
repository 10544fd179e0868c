// What the unit tests build createApp from: one config with short limits and a Temporal connection
// that goes nowhere (lazy: it only dials, and fails fast, when a route calls Temporal).
import { Client, type ClientOptions } from '@temporalio/client';
import { DrainingConnection } from '../../lib/draining-connection';
import type { AppConfig, AppDeps } from '../../api/http/deps';

export const UNIT_TOKEN = 'unit-test-token-0123456789';
export const UNIT_WEBHOOK_SECRET = 'unit-webhook-secret-0123456789';

export function unitConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    apiTokens: [UNIT_TOKEN],
    bodyLimitBytes: 4096,
    namespace: 'default',
    taskQueue: 'unit',
    temporalUiUrl: 'http://localhost:8233',
    webhookSecrets: [UNIT_WEBHOOK_SECRET],
    publicUrl: 'http://127.0.0.1:3000',
    temporalDeadlineMs: 1000,
    ...overrides,
  };
}

/** A client on a lazy connection to a closed port; close `connection` after the tests (it waits out its retries). */
export function nowhereTemporal(clientOptions: Omit<ClientOptions, 'connection'> = {}): AppDeps['temporal'] {
  const connection = DrainingConnection.lazy({ address: '127.0.0.1:1', connectTimeout: '200 ms' });
  return { client: new Client({ connection, ...clientOptions }), connection };
}
