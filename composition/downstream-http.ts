// Outbound GETs to the downstream services: one keep-alive pool for all of them, a circuit breaker
// per service, a retry within the caller's budget, and an outcome instead of an exception, so that
// nothing a downstream service does can crash a request. In front of that, per call: an HTTP cache
// (RFC 9111, for sources that ask for it), one shared request for identical calls in flight, and
// hedging for sources that ask for it (docs/compositions.md, "Caching, coalescing, hedging"). Calls go through undici's dispatch API
// with a small handler: no response stream, no AbortSignal, no promise per chunk. That keeps the
// per-call cost below a plain `request()`, which matters because every composition makes several.
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import { Agent, type Dispatcher } from 'undici';
import type { ServiceName } from '../contracts';
import type { Logger } from '../lib/logger';
import type { IncomingHttpHeaders } from 'node:http';
import type { CallScope, Cancellable } from './call-scope';
import { Coalescer, WAIT_TIMED_OUT } from './coalescing';
import { hedge } from './hedging';
import { HttpCache, DEFAULT_CACHE_MAX_BYTES, type Fetch } from './http-cache';
import { CancelledCall, DEADLINE_EXCEEDED, LAG_TOLERANCE_MS, TransientFailure, type FailureReason } from './source-failures';
import { DEFAULT_BREAKER, DEFAULT_RETRY, servicePolicy, type BreakerOptions, type CircuitStateName, type RetryOptions, type ServicePolicy } from './resilience';

export type HttpOutcome = (
  | { readonly kind: 'ok'; readonly body: unknown }
  | { readonly kind: 'not_found' }
  /** `overloaded`: a timeout Baton caused itself (its event loop or its connection pool held the call). */
  | { readonly kind: 'failed'; readonly reason: FailureReason; readonly overloaded?: true }
  | { readonly kind: 'cancelled' }
) & {
  /** This call's entry of a `Cache-Status` header (RFC 9211), without the cache's name: `hit; ttl=42`, `fwd=miss; stored`. */
  readonly cacheStatus?: string;
};

/**
 * What one request brought back, with what the cache reads (the response's headers and size, and 304),
 * and whether the call got it by joining an identical call's request.
 */
export type Fetched = (
  | HttpOutcome
  | { readonly kind: 'ok'; readonly body: unknown; readonly headers: IncomingHttpHeaders; readonly bytes: number }
  | { readonly kind: 'not_modified'; readonly headers: IncomingHttpHeaders }
) & { readonly collapsed?: true };

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
  /** Bytes of bodies the HTTP cache keeps, least recently used out first (default 32 MiB; 0 keeps nothing). */
  cacheMaxBytes?: number;
  logger?: Logger;
}

/** How a source wants its calls made; all off by default, and coalescing on where the source caches. */
export interface CallPolicy {
  /** Keep and reuse answers as long as the service's Cache-Control and ETag allow (RFC 9111, a shared cache). */
  readonly cache?: boolean;
  /**
   * Identical calls in flight at once share one request. Default: as `cache` (a cache miss is shared by
   * every call waiting for it); an uncached source shares nothing unless it says so, since its calls
   * rarely meet and sharing costs every call a little (measured: docs/benchmark-journal.md).
   */
  readonly coalesce?: boolean;
  /** Sends a second request when the first has not answered after this long; the first answer wins. */
  readonly hedgeAfterMs?: number;
}

export interface GetOptions {
  /** Total budget for the call, retries included. */
  timeoutMs: number;
  /** Cancelling it abandons the call; with DEADLINE_EXCEEDED as reason the call reports a timeout. */
  scope?: CallScope;
  headers?: Readonly<Record<string, string>>;
  policy?: CallPolicy;
}

const DEFAULT_POOL: PoolOptions = { connectionsPerService: 128, keepAliveMs: 30_000, maxResponseBytes: 1024 * 1024 };
const OWN_TIMEOUT: unique symbol = Symbol('own timeout');
const ACCEPT_JSON: Readonly<Record<string, string>> = { accept: 'application/json' };
/** What is left of the call's budget when an attempt leaves, in whole milliseconds (docs/compositions.md). */
export const BUDGET_HEADER = 'x-request-timeout-ms';
const ABORTED = new Error('call abandoned');
/** Cache-Status of a call that skipped the cache but shared an identical call's request (no entry means it skipped the cache alone). */
const BYPASS_COLLAPSED = 'fwd=bypass; collapsed';
const OVERSIZED = new Error('response body too large');

interface Target {
  service: ServiceName;
  origin: string;
  basePath: string;
  resilience: ServicePolicy;
}

/** One request's settings below the cache: the budget, who may cancel it, and what to send and keep. */
interface Send {
  timeoutMs: number;
  scope: CallScope | undefined;
  headers: Readonly<Record<string, string>>;
  keepHeaders: boolean;
}

export class DownstreamHttp {
  readonly #agent: Agent;
  readonly #targets = new Map<ServiceName, Target>();
  readonly #maxResponseBytes: number;
  readonly #cache: HttpCache;
  readonly #inFlight = new Coalescer<Fetched>();

  constructor(options: DownstreamHttpOptions) {
    const pool = { ...DEFAULT_POOL, ...options.pool };
    const breaker = { ...DEFAULT_BREAKER, ...options.breaker };
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#maxResponseBytes = pool.maxResponseBytes;
    this.#cache = new HttpCache({ maxBytes: options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES });
    this.#agent = new Agent({ connections: pool.connectionsPerService, keepAliveTimeout: pool.keepAliveMs, pipelining: 1 });
    for (const [service, base] of Object.entries(options.baseUrls) as [ServiceName, string | undefined][]) {
      if (base === undefined) continue;
      const url = new URL(base);
      const resilience = servicePolicy(breaker, retry, pool.connectionsPerService);
      if (options.logger) {
        const log = options.logger.child({ downstream: service });
        resilience.onBreak(() => log.warn('circuit opened'));
        resilience.onReset(() => log.info('circuit closed'));
      }
      this.#targets.set(service, { service, origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), resilience });
    }
  }

  /** GETs `path` from `service` and reads a JSON body; never rejects for anything the service does. */
  async get(service: ServiceName, path: string, options: GetOptions): Promise<HttpOutcome> {
    const target = this.#targets.get(service);
    if (!target) throw new Error(`no base URL configured for downstream service "${service}"`);
    const { scope, policy } = options;
    if (scope?.reason !== undefined) return left(scope.reason);
    const headers = options.headers ? { ...ACCEPT_JSON, ...options.headers } : ACCEPT_JSON;
    if (policy?.cache === true) {
      const fetch: Fetch = (conditional, timeoutMs, fetchScope) =>
        this.#forward(target, path, policy, {
          timeoutMs,
          scope: fetchScope,
          headers: conditional ? { ...headers, ...conditional } : headers,
          keepHeaders: true,
        });
      return this.#cache.get(`${service} ${path}`, { host: target.origin, path }, options.timeoutMs, scope, fetch);
    }
    // Without keepHeaders a response has no headers to keep and a 304 is a bad response: a plain outcome.
    const send: Send = { timeoutMs: options.timeoutMs, scope, headers, keepHeaders: false };
    // Not shared, never collapsed: the call's own promise, with no frame of ours waiting on it in flight.
    if (!coalesces(policy)) return this.#hedged(target, path, policy, send) as Promise<HttpOutcome>;
    const outcome = (await this.#forward(target, path, policy, send)) as HttpOutcome & { collapsed?: true };
    return outcome.collapsed ? { ...outcome, cacheStatus: BYPASS_COLLAPSED } : outcome;
  }

  /** Coalesces identical calls in flight (one request for all of them), unless the source opts out. */
  #forward(target: Target, path: string, policy: CallPolicy | undefined, send: Send): Promise<Fetched> {
    if (!coalesces(policy)) return this.#hedged(target, path, policy, send);
    const conditional = send.headers['if-none-match'] ?? send.headers['if-modified-since'];
    const key = conditional === undefined ? `${target.service} ${path}` : `${target.service} ${path} ${conditional}`;
    return this.#inFlight.run(
      key,
      send.timeoutMs,
      send.scope,
      (sharedScope) => this.#hedged(target, path, policy, { ...send, scope: sharedScope }),
      left,
      collapsed,
    );
  }

  #hedged(target: Target, path: string, policy: CallPolicy | undefined, send: Send): Promise<Fetched> {
    const afterMs = policy?.hedgeAfterMs;
    if (afterMs === undefined) return this.#send(target, path, send);
    return hedge({
      afterMs,
      timeoutMs: send.timeoutMs,
      scope: send.scope,
      // A hedge is one more call under the breaker and the bulkhead: never to a failing service, and only
      // with enough of the budget left for an answer.
      mayHedge: (budgetLeftMs) => target.resilience.state() === 'closed' && budgetLeftMs >= MIN_HEDGE_BUDGET_MS,
      attempt: (scope, timeoutMs) => this.#send(target, path, { ...send, scope, timeoutMs }),
      decisive: (outcome) => outcome.kind === 'ok' || outcome.kind === 'not_found' || outcome.kind === 'not_modified',
      cancelled: (reason) => left(reason),
    });
  }

  /** One request under the service's retry, breaker and bulkhead. */
  async #send(target: Target, path: string, send: Send): Promise<Fetched> {
    const { scope } = send;
    if (scope?.reason !== undefined) return left(scope.reason);
    const call = new Call(send.timeoutMs, send.keepHeaders);
    scope?.add(call);
    const request: Dispatcher.DispatchOptions = { origin: target.origin, path: target.basePath + path, method: 'GET', headers: send.headers };
    const attempt = () => this.#attempt(target, request, call);
    try {
      return await call.settleWith(target.resilience.execute(attempt));
    } catch (err) {
      if (err instanceof TransientFailure) {
        return err.reason === 'timeout' && !err.blamesService
          ? { kind: 'failed', reason: 'timeout', overloaded: true }
          : { kind: 'failed', reason: err.reason };
      }
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) return { kind: 'failed', reason: 'circuit_open' };
      if (err instanceof CancelledCall) return { kind: 'cancelled' };
      throw err;
    } finally {
      call.end();
      scope?.delete(call);
    }
  }

  /** Entries in the HTTP cache and the bytes they count for. */
  cacheStats(): { entries: number; bytes: number } {
    return this.#cache.stats;
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

  #attempt(target: Target, request: Dispatcher.DispatchOptions, call: Call): Promise<Fetched> {
    if (call.reason !== undefined) return Promise.reject(call.failure(undefined));
    // The service learns how long this attempt may take: past it nobody waits for the answer, so work on
    // it (its own downstream calls included) is wasted.
    const budgetMs = Math.max(0, Math.floor(call.endsAt - performance.now()));
    const sent = { ...request, headers: { ...(request.headers as Record<string, string>), [BUDGET_HEADER]: String(budgetMs) } };
    return new Promise<Fetched>((resolve, reject) => {
      const handler = new GetHandler(resolve, reject, call, target.resilience, this.#maxResponseBytes);
      call.attempt = handler;
      this.#agent.dispatch(sent, handler);
    });
  }
}

/** One logical call (all its attempts): its budget, and how to cancel the attempt in flight. */
class Call implements Cancellable {
  reason: symbol | undefined;
  attempt: GetHandler | undefined;
  readonly endsAt: number;
  /** Keep the response's headers and size for the cache, and read a 304 as "not modified". */
  readonly keepHeaders: boolean;
  readonly #timeoutMs: number;
  readonly #timer: NodeJS.Timeout;
  /** How late the timer that cancelled this call fired. */
  #overdueMs = 0;
  #giveUp: ((err: Error) => void) | undefined;

  constructor(timeoutMs: number, keepHeaders: boolean) {
    this.keepHeaders = keepHeaders;
    this.#timeoutMs = timeoutMs;
    this.endsAt = performance.now() + timeoutMs;
    this.#timer = setTimeout(() => this.cancel(OWN_TIMEOUT, performance.now() - this.endsAt), Math.max(0, timeoutMs));
  }

  cancel(reason: symbol, overdueMs = 0): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.#overdueMs = overdueMs;
    // Waiting for a slot (or between retries), nothing is on the wire: the caller is answered now,
    // and the waiting execution ends without a request when its turn comes (#attempt).
    if (this.attempt?.abandon() !== true) this.#giveUp?.(this.failure(undefined));
  }

  /** `execution`'s outcome, or this call's failure as soon as it is cancelled while no attempt is in flight. */
  settleWith<T>(execution: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#giveUp = reject;
      execution.then(resolve, reject);
    });
  }

  /**
   * What an attempt cut short by this call's cancellation failed with; `sentAt` is when the attempt
   * left our pool for a socket. A timeout is the caller's `timeout` either way, but it counts against
   * the service only when the service had the request for at least half the call's budget and our
   * own event loop was not what kept the answer. A call that spent its budget queued for one of our
   * connections, or whose timer fired late, says Baton was overloaded: that must not open the
   * circuit of a healthy service.
   */
  failure(sentAt: number | undefined): Error {
    const reason = this.reason;
    if (reason !== OWN_TIMEOUT && reason !== DEADLINE_EXCEEDED) return new CancelledCall();
    const heldMs = sentAt === undefined ? 0 : performance.now() - this.#overdueMs - sentAt;
    return new TransientFailure('timeout', false, heldMs >= this.#timeoutMs / 2 && this.#overdueMs <= LAG_TOLERANCE_MS);
  }

  end(): void {
    clearTimeout(this.#timer);
  }
}

/** Collects one response; settles its attempt exactly once, as soon as the outcome is known. */
class GetHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #sentAt: number | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders | undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #settled = false;

  constructor(
    private readonly resolve: (outcome: Fetched) => void,
    private readonly reject: (err: Error) => void,
    private readonly call: Call,
    private readonly resilience: ServicePolicy,
    private readonly maxBytes: number,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // The pool hands a request to a socket only once one of its connections is free.
    this.#sentAt = performance.now();
    this.#controller = controller;
    // Abandoned while it waited in the pool's queue.
    if (this.#settled) controller.abort(ABORTED);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    if (this.call.keepHeaders) this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // Other statuses are read and dropped, so the connection goes back to the pool.
    if (this.#status < 200 || this.#status >= 300 || this.#settled) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) {
      this.#settle({ kind: 'failed', reason: 'bad_response' });
      controller.abort(OVERSIZED);
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    const status = this.#status;
    if (status >= 200 && status < 300) {
      const chunks = this.#chunks;
      const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return this.#settle({ kind: 'failed', reason: 'bad_response' });
      }
      const headers = this.#headers;
      this.#settle(headers ? { kind: 'ok', body, headers, bytes: this.#bytes } : { kind: 'ok', body });
    } else if (status === 404) this.#settle({ kind: 'not_found' });
    // Only the cache sends conditional requests; to anyone else a 304 is outside the contract.
    else if (status === 304 && this.#headers) this.#settle({ kind: 'not_modified', headers: this.#headers });
    else if (status === 429 || status >= 500) this.#fail(new TransientFailure('unavailable', this.#canRetry()));
    // Any other status is outside what the contract lets the service answer.
    else this.#settle({ kind: 'failed', reason: 'bad_response' });
  }

  onResponseError(): void {
    if (this.#settled) return;
    this.#fail(this.call.reason !== undefined ? this.call.failure(this.#sentAt) : new TransientFailure('unavailable', this.#canRetry()));
  }

  /**
   * The caller's answer must not wait for the socket to wind down: settle first, then cut. False
   * when this attempt had already settled.
   */
  abandon(): boolean {
    if (this.#settled) return false;
    this.#fail(this.call.failure(this.#sentAt));
    this.#controller?.abort(ABORTED);
    return true;
  }

  #canRetry(): boolean {
    return this.resilience.canRetry(this.call.endsAt - performance.now());
  }

  #settle(outcome: Fetched): void {
    this.#settled = true;
    this.resolve(outcome);
  }

  #fail(err: Error): void {
    this.#settled = true;
    this.reject(err);
  }
}

/** Whether identical calls in flight share one request: as the source says, else where it caches. */
const coalesces = (policy: CallPolicy | undefined): boolean => policy?.coalesce ?? policy?.cache === true;

/** A hedge needs at least this much of the budget left to be worth sending. */
const MIN_HEDGE_BUDGET_MS = 50;
/** What a caller that stopped waiting gets: a timeout when its deadline passed, else nothing to report. */
function left(reason: symbol): HttpOutcome {
  return reason === DEADLINE_EXCEEDED || reason === WAIT_TIMED_OUT ? { kind: 'failed', reason: 'timeout' } : { kind: 'cancelled' };
}

function collapsed(outcome: Fetched): Fetched {
  return { ...outcome, collapsed: true };
}
