// cockatiel policies for downstream GETs: a breaker per service, and around it a retry that only
// ever repeats idempotent reads that failed transiently and still fit in the caller's budget.
import {
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
import { TransientFailure } from './failures';

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

export function servicePolicy(breakerOptions: BreakerOptions, retryOptions: RetryOptions): ServicePolicy {
  // Only transient failures count: a 404 or a malformed body proves the service is up.
  const breaker = circuitBreaker(
    handleWhen((err) => err instanceof TransientFailure),
    { halfOpenAfter: breakerOptions.cooldownMs, breaker: new ConsecutiveBreaker(breakerOptions.threshold) },
  );
  const retryPolicy = retry(
    handleWhen((err) => err instanceof TransientFailure && err.retryable),
    {
      maxAttempts: retryOptions.retries,
      backoff: new ExponentialBackoff({ initialDelay: retryOptions.initialDelayMs, maxDelay: retryOptions.maxDelayMs }),
    },
  );
  const worstDelay = retryOptions.maxDelayMs + retryOptions.minAttemptMs;
  return {
    breaker,
    // Retry outside the breaker: each attempt is one breaker call, and an open circuit is not retried.
    policy: retryOptions.retries > 0 ? wrap(retryPolicy, breaker) : breaker,
    state: () => STATE_NAMES[breaker.state],
    canRetry: (budgetLeftMs) => retryOptions.retries > 0 && budgetLeftMs >= worstDelay,
  };
}
