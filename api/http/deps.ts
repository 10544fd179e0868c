import type { Client, Connection } from '@temporalio/client';
import type { Store } from 'hono-rate-limiter';
import type { AnyWorkflowDefinition, OrderTimings, Timespan } from '../../contracts';
import type { Logger } from '../../lib/logger';
import type { Composer } from '../../composition/composer';
import type { JwtSettings } from './jwt';
import type { ApiMetrics } from './api-metrics';
import type { Principal } from './middleware/auth';
import type { EventStreams } from '../orders/event-streams';
import type { NamespaceReadiness } from './namespace-readiness';
import type { FileCompositions } from '../compositions/file-compositions';
import type { BurstAllowance, BurstAllowances } from '../workflows/burst-priority';

export interface AppConfig {
  /** Static bearer tokens, every scope each (BATON_API_TOKENS); may be empty when `jwt` is set. */
  apiTokens: readonly string[];
  /** JWTs from the identity provider (BATON_JWKS_URL, BATON_JWT_ISSUER, BATON_JWT_AUDIENCE); docs/security.md. */
  jwt?: JwtSettings;
  /** Prometheus's bearer token for GET /metrics (BATON_METRICS_TOKEN); without it /metrics needs the `operator` scope. */
  metricsToken?: string;
  bodyLimitBytes: number;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  /** BATON_WEBHOOK_SECRET's secrets: the first signs (callback URLs, page tokens), any verifies, so they rotate. */
  webhookSecrets: readonly string[];
  /** Deadline for the Temporal calls of one request. */
  temporalDeadlineMs: number;
  /** Requests to the Temporal routes in progress at once before the next is shed with a 503 (BATON_MAX_INFLIGHT_TEMPORAL); 256 when absent. */
  maxInflightTemporal?: number;
  /** Composition requests (GET /profiles/...) in progress at once before the next is shed with a 503 (BATON_MAX_INFLIGHT_COMPOSITIONS); 256 when absent. */
  maxInflightCompositions?: number;
  /** Order event streams (GET /orders/{orderId}/events) one client may hold open at once (BATON_EVENT_STREAMS_PER_CLIENT); 10 when absent. */
  eventStreamsPerClient?: number;
  /** How often an open event stream looks for changes, ms (BATON_EVENT_POLL_MS); 1000 when absent. */
  eventPollMs?: number;
  /** Requests per minute each bearer token may make before a 429 (BATON_RATE_LIMIT_PER_MINUTE); no limit when absent or 0. */
  rateLimitPerMinute?: number;
  /**
   * Starts per fairness key (an order's customer) on the task queue before the rest of a burst runs on the burst lane,
   * one priority step lower (BATON_BURST_STARTS, BATON_BURST_STARTS_PER_SECOND; api/workflows/burst-priority.ts); off when absent.
   */
  burstAllowance?: BurstAllowance;
  /** Base URL that downstream services use to call Baton back. */
  publicUrl: string;
  /** How long an order waits for a pending payment to clear (BATON_PAYMENT_CLEARANCE_TIMEOUT); default 3 days. */
  paymentClearanceTimeout?: Timespan;
  /**
   * The codec endpoint (/codec/encode, /codec/decode) the Temporal Web UI calls: the browser origins allowed by
   * CORS, and whether it needs a bearer token (`none` only for a local UI, which cannot send one). Default:
   * http://localhost:8233, bearer.
   */
  codec?: { corsOrigins: readonly string[]; auth: 'bearer' | 'none' };
  /** Timeouts and retry policies given to new orders; the defaults of contracts/order.ts when absent (tests shorten them). */
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
  /** The open order event streams; the server closes them at shutdown (api/server.ts). One per app when absent. */
  eventStreams?: EventStreams;
  /** The workflow types served under /workflows/{type}; contracts/registry.ts when absent. */
  workflows?: readonly AnyWorkflowDefinition[];
  /** Prometheus metrics served at GET /metrics; a fresh registry per app when absent. */
  metrics?: ApiMetrics;
  /** Shared rate-limit counts (api/rate-limit-store.ts, BATON_RATE_LIMIT_REDIS_URL); this process's memory when absent. */
  rateLimitStore?: Store<AppEnv>;
  /**
   * Burst allowances every replica shares (api/workflows/shared-burst-priority.ts, in the rate limit's store);
   * this process's own buckets from config.burstAllowance when absent.
   */
  burstAllowances?: BurstAllowances;
  /**
   * Whether the namespace is set up for orders (api/namespace-readiness.ts): /readyz reports it, the order
   * routes answer 503 naming the fix until it is. Absent: no check (the routes still map a refused start to that 503).
   */
  namespaceReadiness?: NamespaceReadiness;
  /** The compositions of BATON_COMPOSITIONS_FILE, served beside the TypeScript ones and reloaded as it changes. */
  fileCompositions?: FileCompositions;
}

/**
 * `principal`: who authenticated (api/http/middleware/auth.ts); `rateLimitKey`: whose budget the request spends (a
 * digest of the JWT's tenant or subject, or of the static token, never the value itself). Both unset on public routes.
 */
export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    metrics: ApiMetrics;
    principal?: Principal;
    rateLimitKey?: string;
    /** The route of a request the router matched only by "*" (a file composition): what logs, spans and metrics name. */
    routePattern?: string;
  };
};
