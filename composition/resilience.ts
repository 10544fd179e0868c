// cockatiel policies for downstream GETs: per service, a bulkhead that lets no more calls at once
// than the pool has connections, a breaker around it, and around that a retry that only ever repeats
// idempotent reads that failed transiently and still fit in the caller's budget.
import {
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { TransientFailure } from './source-failures';

export interface BreakerOptions {
  /** Consecutive transient failures that open the circuit (default 5). */
  threshold: number;
  /** How long the circuit stays open before one trial call may go through (default 5000 ms). */
  cooldownMs: number;
}

export interface RetryOptions {
  /** Extra attempts after the first (default 1; 0 disables retries). */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** An attempt needs at least this much budget left, or it is not worth starting (default 50 ms). */
  minAttemptMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, cooldownMs: 5000 };
export const DEFAULT_RETRY: RetryOptions = { retries: 1, initialDelayMs: 10, maxDelayMs: 40, minAttemptMs: 50 };

export type CircuitStateName = 'closed' | 'open' | 'half_open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

export interface ServicePolicy {
  readonly breaker: CircuitBreakerPolicy;
  readonly policy: IPolicy;
  state(): CircuitStateName;
  /** Whether a failed attempt may be repeated with `budgetLeftMs` to spare. */
  canRetry(budgetLeftMs: number): boolean;
}

/**
 * `concurrency` is the pool's connections to the service: no more calls than that go to undici at
 * once, and the rest wait here, in order. undici can only drop a queued request by destroying a
 * connection when its turn comes, so under overload a queue of calls that timed out while waiting
 * there would cost a reconnection each and keep the pool from ever catching up; a call that gives
 * up while waiting here costs nothing, and never reaches the service.
 */
export function servicePolicy(breakerOptions: BreakerOptions, retryOptions: RetryOptions, concurrency: number): ServicePolicy {
  // Only the service's transient failures count: a 404 or a malformed body proves it is up, and a
  // timeout Baton caused itself (TransientFailure.blamesService) proves nothing about it.
  const breaker = circuitBreaker(
    handleWhen((err) => err instanceof TransientFailure && err.blamesService),
    { halfOpenAfter: breakerOptions.cooldownMs, breaker: new ConsecutiveBreaker(breakerOptions.threshold) },
  );
  const retryPolicy = retry(
    handleWhen((err) => err instanceof TransientFailure && err.retryable),
    {
      maxAttempts: retryOptions.retries,
      backoff: new ExponentialBackoff({ initialDelay: retryOptions.initialDelayMs, maxDelay: retryOptions.maxDelayMs }),
    },
  );
  // Inside the breaker: an open circuit answers at once, without waiting for a slot.
  const slots = bulkhead(concurrency, Infinity);
  const worstDelay = retryOptions.maxDelayMs + retryOptions.minAttemptMs;
  return {
    breaker,
    // Retry outside the breaker: each attempt is one breaker call, and an open circuit is not retried.
    policy: retryOptions.retries > 0 ? wrap(retryPolicy, breaker, slots) : wrap(breaker, slots),
    state: () => STATE_NAMES[breaker.state],
    canRetry: (budgetLeftMs) => retryOptions.retries > 0 && budgetLeftMs >= worstDelay,
  };
}
