import type { Client, Connection } from '@temporalio/client';
import type { AnyWorkflowDefinition, OrderTimings, Timespan } from '../definitions';
import type { Logger } from '../lib/logger';
import type { Composer } from './composition/composer';
import type { ApiMetrics } from './metrics';

export interface AppConfig {
  apiTokens: readonly string[];
  bodyLimitBytes: number;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  webhookSecret: string;
  /** Deadline for the Temporal calls of one request. */
  temporalDeadlineMs: number;
  /** Base URL that downstream services use to call Baton back. */
  publicUrl: string;
  /** How long an order waits for a pending payment to clear (BATON_PAYMENT_CLEARANCE_TIMEOUT); default 3 days. */
  paymentClearanceTimeout?: Timespan;
  /** Timeouts and retry policies given to new orders; the defaults of definitions/orders.ts when absent (tests shorten them). */
  orderTimings?: OrderTimings;
}

/** Everything the API needs from outside; tests build it with their own server and fakes. */
export interface AppDeps {
  config: AppConfig;
  temporal: { client: Client; connection: Connection };
  logger: Logger;
  /**
   * Pooled, circuit-broken client for the synchronous compositions (GET /profiles/...), one per app.
   * Optional so that apps built only for other routes need not make one; the composition routes fail without it.
   */
  composition?: Composer;
  /** The workflow types served under /workflows/{type}; definitions/registry.ts when absent. */
  workflows?: readonly AnyWorkflowDefinition[];
  /** Prometheus metrics served at GET /metrics; a fresh registry per app when absent. */
  metrics?: ApiMetrics;
}

export type AppEnv = { Variables: { deps: AppDeps; requestId: string; metrics: ApiMetrics } };
