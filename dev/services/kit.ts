// What every sample service shares: health, request counters, faults, idempotency, admin routes and
// problem+json errors. A service module builds its domain state, then adds its routes to `kit.app`.
import { trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ServiceName } from '../../config/env';
import { traceRequests } from '../../lib/http-tracing';
import { createLogger, type Logger } from '../../lib/logger';
import { registerAdminRoutes } from './admin';
import { countingMiddleware, RequestCounters, type RequestCounts } from './counters';
import { faultMiddleware, Faults, waitFor, type FaultConfig, type FaultVariables } from './faults';
import { IdempotencyStore, toResponse } from './idempotency';
import { ProblemError, problemResponse } from './problem-response';

export type ServiceEnv = { Variables: FaultVariables };
export type ServiceApp = Hono<ServiceEnv>;

export interface ServiceState {
  service: ServiceName;
  requests: RequestCounts;
  [part: string]: unknown;
}

export interface SampleService {
  readonly name: ServiceName;
  /** The Hono app: serve it, or call `app.request()` in tests. */
  readonly app: ServiceApp;
  readonly faults: Faults;
  /** What GET /__admin/state answers. */
  state(): ServiceState;
  /** What POST /__admin/reset does: state, counters, idempotency keys and faults back to the start. */
  reset(): void;
  /** Releases hung and delayed calls and stops background work (timers, callbacks). Idempotent. */
  shutdown(): void;
}

export interface CommonServiceOptions {
  logger?: Logger;
  /** Faults active from the start (the `<SERVICE>_FAULTS` variable). */
  faults?: FaultConfig;
  /** Replaces Math.random for jitter and the fault rates. */
  random?: () => number;
  /** Sent with the answers of the routes that use `cacheable()`, beside an ETag; none when unset or empty. */
  cacheControl?: string;
}

export interface ServiceHooks {
  /** The service's own part of /__admin/state, e.g. counts per orderId. */
  state?: () => Record<string, unknown>;
  reset?: () => void;
  shutdown?: () => void;
}

/** The logger a service writes with: the caller's, scoped to the service, or a silent one. */
export function serviceLogger(name: ServiceName, base?: Logger): Logger {
  return (base ?? createLogger('services', 'silent')).child({ service: name });
}

const isInfraPath = (path: string) => path === '/healthz' || path === '/__admin' || path.startsWith('/__admin/');

export class ServiceKit {
  readonly app: ServiceApp = new Hono<ServiceEnv>();
  readonly faults: Faults;
  readonly logger: Logger;
  readonly #counters = new RequestCounters();
  readonly #idempotency = new IdempotencyStore();
  readonly #shutdown = new AbortController();
  readonly #random: () => number;
  readonly #cacheControl: string | undefined;
  readonly service: SampleService;

  constructor(
    readonly name: ServiceName,
    options: CommonServiceOptions,
    hooks: ServiceHooks = {},
  ) {
    this.logger = serviceLogger(name, options.logger);
    this.faults = new Faults(options.faults);
    this.#random = options.random ?? Math.random;
    this.#cacheControl = options.cacheControl || undefined;
    const state = (): ServiceState => ({ service: name, requests: this.#counters.get(), ...hooks.state?.() });
    const reset = () => {
      this.#counters.reset();
      this.#idempotency.clear();
      this.faults.clear();
      hooks.reset?.();
    };
    const shutdown = () => {
      if (this.#shutdown.signal.aborted) return;
      this.#shutdown.abort();
      hooks.shutdown?.();
    };
    this.service = { name, app: this.app, faults: this.faults, state, reset, shutdown };

    // A SERVER span per call, continuing the caller's `traceparent` (a no-op until lib/telemetry.ts is started).
    this.app.use('*', traceRequests({ tracer: () => trace.getTracer(`baton-${name}`), exempt: isInfraPath }));
    this.app.use('*', countingMiddleware({ counters: this.#counters, exempt: isInfraPath, logger: this.logger }));
    this.app.use('*', faultMiddleware({ faults: this.faults, shutdown: this.#shutdown.signal, exempt: isInfraPath, random: options.random }));
    this.app.get('/healthz', (c) => c.json({ status: 'ok', service: name }));
    registerAdminRoutes(this.app, { faults: this.faults, state, reset });
    this.app.notFound((c) => problemResponse(404, 'not-found', 'Not found', `No route for ${c.req.method} ${c.req.path}.`));
    this.app.onError((err) => {
      if (err instanceof ProblemError) return err.toResponse();
      if (err instanceof HTTPException) return problemResponse(err.status, 'http-error', err.message || 'Request failed');
      this.logger.error({ err }, 'unhandled error');
      return problemResponse(500, 'internal', 'Internal error', 'The sample service failed unexpectedly.');
    });
  }

  /**
   * For a read route whose answers caches may keep: a strong ETag of the body (304 to a matching
   * If-None-Match, Hono's etag middleware) and the configured Cache-Control, as a real service would send.
   */
  cacheable(): MiddlewareHandler<ServiceEnv> {
    const cacheControl = this.#cacheControl;
    const tag = etag();
    return async (c, next) => {
      if (cacheControl === undefined) return next();
      await tag(c, next);
      if (c.res.status === 200 || c.res.status === 304) c.header('Cache-Control', cacheControl);
    };
  }

  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /**
   * Runs a state-changing handler under its Idempotency-Key, scoped to this service and route.
   * commitThenFail (and its rate) and commitThenHang are applied here, after the effect is stored, so the retry finds the success.
   */
  async idempotent(c: Context<ServiceEnv>, key: string, execute: () => Response | Promise<Response>): Promise<Response> {
    const scope = `${c.req.method} ${routePath(c)}`;
    const { fresh, result } = this.#idempotency.run(scope, key, execute);
    const faults = c.get('faults');
    const failAfterCommit =
      fresh && faults !== undefined && (faults.take('commitThenFail') || (faults.commitThenFailRate > 0 && this.#random() < faults.commitThenFailRate));
    const hangAfterCommit = fresh && !failAfterCommit && faults !== undefined && faults.take('commitThenHang');
    const stored = await result;
    if (hangAfterCommit) {
      await waitFor(Infinity, AbortSignal.any([c.req.raw.signal, this.#shutdown.signal]));
      return problemResponse(503, 'injected-fault', 'Injected fault', 'commitThenHang: the effect was applied, then the answer was held until the caller left');
    }
    if (failAfterCommit) {
      return problemResponse(503, 'injected-fault', 'Injected fault', 'commitThenFail: the effect was applied but this answer is lost');
    }
    return toResponse(stored, !fresh);
  }
}
