// cockatiel policies for downstream GETs: per service, a bulkhead that lets no more calls at once
// than the pool has connections, a breaker around it, and around that a retry that only ever repeats
// idempotent reads that failed transiently and still fit in the caller's budget.
import { bulkhead, CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, type CircuitBreakerPolicy } from 'cockatiel';
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

/** Read through a call, so the compiler does not carry one read's narrowing over to the next. */
const stateOf = (breaker: CircuitBreakerPolicy): CircuitState => breaker.state;

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

export interface ServicePolicy {
  /** Runs one call under the retry, the breaker and the bulkhead. */
  execute<T>(attempt: () => Promise<T>): Promise<T>;
  /** Hears the circuit open and close (for the logs). */
  onBreak(listener: () => void): void;
  onReset(listener: () => void): void;
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
  // timeout Baton caused itself (TransientFailure.blamesService) or a call it abandoned proves nothing.
  const counts = (err: unknown) => err instanceof TransientFailure && err.blamesService;
  const listeners = { break: [] as (() => void)[], reset: [] as (() => void)[] };
  const newBreaker = (initialState?: unknown) => {
    const made = circuitBreaker(handleWhen(counts), {
      halfOpenAfter: breakerOptions.cooldownMs,
      breaker: new ConsecutiveBreaker(breakerOptions.threshold),
      ...(initialState !== undefined && { initialState }),
    });
    made.onBreak(() => listeners.break.forEach((l) => l()));
    made.onReset(() => listeners.reset.forEach((l) => l()));
    return made;
  };
  let breaker = newBreaker();
  /**
   * cockatiel reads any error its filter does not count as a success, and a half-open circuit's trial
   * that fails so closes the circuit. A trial Baton abandoned (the client left, its deadline passed) or
   * timed out itself proves nothing about the service: the circuit goes back to where it was, open with
   * its trial due, so the next call is the trial.
   */
  const guardedBreaker = <T>(attempt: () => Promise<T>): Promise<T> => {
    const current = breaker;
    const before = stateOf(current);
    const execution = current.execute(attempt);
    // This call is the trial when it is what moved the circuit from open to half-open. cockatiel saves a
    // half-open circuit as "open, trial due" (toJSON), which is the state to go back to.
    if (!(before === CircuitState.Open && stateOf(current) === CircuitState.HalfOpen)) return execution;
    // Only a trial is watched: every other call is cockatiel's own promise, with no frame of ours waiting
    // on it while the request is in flight (what a request keeps alive, each scavenge copies).
    const trialDue = current.toJSON();
    return execution.catch((err: unknown) => {
      if (!counts(err) && stateOf(current) === CircuitState.Closed && breaker === current) {
        breaker = newBreaker(trialDue);
        listeners.break.forEach((l) => l()); // cockatiel announced it closed; it is open again
      }
      throw err;
    });
  };
  const retryPolicy = retry(
    handleWhen((err) => err instanceof TransientFailure && err.retryable),
    {
      maxAttempts: retryOptions.retries,
      backoff: new ExponentialBackoff({ initialDelay: retryOptions.initialDelayMs, maxDelay: retryOptions.maxDelayMs }),
    },
  );
  const slots = bulkhead(concurrency, Infinity);
  const worstDelay = retryOptions.maxDelayMs + retryOptions.minAttemptMs;
  // Inside the breaker: an open circuit answers at once, without waiting for a slot.
  const guarded = <T>(attempt: () => Promise<T>) => guardedBreaker(() => slots.execute(attempt));
  return {
    // Retry outside the breaker: each attempt is one breaker call, and an open circuit is not retried.
    execute: (attempt) => (retryOptions.retries > 0 ? retryPolicy.execute(() => guarded(attempt)) : guarded(attempt)),
    onBreak: (listener) => void listeners.break.push(listener),
    onReset: (listener) => void listeners.reset.push(listener),
    state: () => STATE_NAMES[breaker.state],
    canRetry: (budgetLeftMs) => retryOptions.retries > 0 && budgetLeftMs >= worstDelay,
  };
}
