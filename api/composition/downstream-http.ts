// Outbound GETs to the downstream services: one keep-alive pool for all of them, a circuit breaker
// per service, a retry within the caller's budget, and an outcome instead of an exception, so that
// nothing a downstream service does can crash a request.
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import { Agent } from 'undici';
import type { ServiceName } from '../../config/env';
import type { Logger } from '../../lib/logger';
import { CancelledCall, DEADLINE_EXCEEDED, TransientFailure, type FailureReason } from './failures';
import {
  DEFAULT_BREAKER,
  DEFAULT_RETRY,
  servicePolicy,
  type BreakerOptions,
  type CircuitStateName,
  type RetryOptions,
  type ServicePolicy,
} from './resilience';

export type HttpOutcome =
  | { readonly kind: 'ok'; readonly body: unknown }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'failed'; readonly reason: FailureReason }
  | { readonly kind: 'cancelled' };

export interface PoolOptions {
  /** Keep-alive connections per service (default 128); more calls than that queue in the pool. */
  connectionsPerService: number;
  keepAliveMs: number;
  /** Bodies above this are bad responses, not memory pressure (default 1 MiB). */
  maxResponseBytes: number;
}

export interface DownstreamHttpOptions {
  /** Base URL per service (USERS_URL and friends); a base path, if any, prefixes every call. */
  baseUrls: Readonly<Partial<Record<ServiceName, string>>>;
  breaker?: Partial<BreakerOptions>;
  retry?: Partial<RetryOptions>;
  pool?: Partial<PoolOptions>;
  logger?: Logger;
}

export interface GetOptions {
  /** Aborting it abandons the call; with DEADLINE_EXCEEDED as reason the call reports a timeout. */
  signal: AbortSignal;
  /** Total budget for the call, retries included. */
  timeoutMs: number;
  headers?: Readonly<Record<string, string>>;
}

const DEFAULT_POOL: PoolOptions = { connectionsPerService: 128, keepAliveMs: 30_000, maxResponseBytes: 1024 * 1024 };
const OWN_TIMEOUT: unique symbol = Symbol('own timeout');
const ACCEPT_JSON = { accept: 'application/json' } as const;

interface Target {
  origin: string;
  basePath: string;
  resilience: ServicePolicy;
}

export class DownstreamHttp {
  readonly #agent: Agent;
  readonly #targets = new Map<ServiceName, Target>();

  constructor(options: DownstreamHttpOptions) {
    const pool = { ...DEFAULT_POOL, ...options.pool };
    const breaker = { ...DEFAULT_BREAKER, ...options.breaker };
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#agent = new Agent({
      connections: pool.connectionsPerService,
      keepAliveTimeout: pool.keepAliveMs,
      maxResponseSize: pool.maxResponseBytes,
      pipelining: 1,
    });
    for (const [service, base] of Object.entries(options.baseUrls) as [ServiceName, string | undefined][]) {
      if (base === undefined) continue;
      const url = new URL(base);
      const resilience = servicePolicy(breaker, retry);
      if (options.logger) {
        const log = options.logger.child({ downstream: service });
        resilience.breaker.onBreak(() => log.warn('circuit opened'));
        resilience.breaker.onReset(() => log.info('circuit closed'));
      }
      this.#targets.set(service, { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), resilience });
    }
  }

  /** GETs `path` from `service` and reads a JSON body; never rejects for anything the service does. */
  async get(service: ServiceName, path: string, options: GetOptions): Promise<HttpOutcome> {
    const target = this.#targets.get(service);
    if (!target) throw new Error(`no base URL configured for downstream service "${service}"`);
    const { signal: parent } = options;
    if (parent.aborted) return abandoned(parent);

    const controller = new AbortController();
    const endsAt = performance.now() + options.timeoutMs;
    const timer = setTimeout(() => controller.abort(OWN_TIMEOUT), Math.max(0, options.timeoutMs));
    const onParentAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onParentAbort, { once: true });
    const headers = options.headers ? { ...ACCEPT_JSON, ...options.headers } : ACCEPT_JSON;
    const attempt = () => this.#attempt(target, path, headers, controller.signal, endsAt);
    try {
      return await target.resilience.policy.execute(attempt, controller.signal);
    } catch (err) {
      if (err instanceof TransientFailure) return { kind: 'failed', reason: err.reason };
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) return { kind: 'failed', reason: 'circuit_open' };
      if (err instanceof CancelledCall) return { kind: 'cancelled' };
      throw err;
    } finally {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    }
  }

  circuitStates(): Partial<Record<ServiceName, CircuitStateName>> {
    const states: Partial<Record<ServiceName, CircuitStateName>> = {};
    for (const [service, target] of this.#targets) states[service] = target.resilience.state();
    return states;
  }

  /** Closes the pool; calls still in flight are cut. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  async #attempt(
    target: Target,
    path: string,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal,
    endsAt: number,
  ): Promise<HttpOutcome> {
    if (signal.aborted) throw failureFromAbort(signal);
    let status: number;
    let text: string | undefined;
    try {
      const response = await this.#agent.request({
        origin: target.origin,
        path: target.basePath + path,
        method: 'GET',
        headers,
        signal,
      });
      status = response.statusCode;
      // Read the body even when it is not wanted: a drained socket goes back to the pool.
      if (status >= 200 && status < 300) text = await response.body.text();
      else await response.body.dump();
    } catch (err) {
      if (signal.aborted) throw failureFromAbort(signal);
      if (isOversized(err)) return { kind: 'failed', reason: 'bad_response' };
      throw new TransientFailure('unavailable', target.resilience.canRetry(endsAt - performance.now()));
    }
    if (text !== undefined) {
      try {
        return { kind: 'ok', body: JSON.parse(text) };
      } catch {
        return { kind: 'failed', reason: 'bad_response' };
      }
    }
    if (status === 404) return { kind: 'not_found' };
    if (status === 429 || status >= 500) {
      throw new TransientFailure('unavailable', target.resilience.canRetry(endsAt - performance.now()));
    }
    // Any other status is outside what the contract lets the service answer.
    return { kind: 'failed', reason: 'bad_response' };
  }
}

/** Our own budget or the composition's deadline ran out: a timeout. Anything else: the caller let go. */
function failureFromAbort(signal: AbortSignal): Error {
  return signal.reason === OWN_TIMEOUT || signal.reason === DEADLINE_EXCEEDED
    ? new TransientFailure('timeout', false)
    : new CancelledCall();
}

function abandoned(signal: AbortSignal): HttpOutcome {
  return signal.reason === DEADLINE_EXCEEDED ? { kind: 'failed', reason: 'timeout' } : { kind: 'cancelled' };
}

function isOversized(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE';
}
