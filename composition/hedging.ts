// Hedged requests (The Tail at Scale, Dean and Barroso): when a call has not answered after `afterMs`
// (about the service's usual p95), a second identical request goes out and the first decisive answer
// wins; the other request is cut. It trims the tail that one slow replica or one lost packet adds, for
// a few percent more requests. Only for idempotent reads, only when the caller asks for it per source.
import { CallScope, type Cancellable } from './call-scope';
import { CANCELLED } from './source-failures';

export interface HedgeOptions<T> {
  afterMs: number;
  /** The whole budget: a hedge gets what is left of it. */
  timeoutMs: number;
  /** The caller's cancellation; it cuts both requests. */
  scope: CallScope | undefined;
  /** Whether a hedge may go out with `budgetLeftMs` left (the breaker closed, enough time for an answer). */
  mayHedge: (budgetLeftMs: number) => boolean;
  attempt: (scope: CallScope, timeoutMs: number) => Promise<T>;
  /** An answer that ends the race (the service answered); anything else waits for the other request. */
  decisive: (outcome: T) => boolean;
  /** What the caller gets when its scope is cancelled first. */
  cancelled: (reason: symbol) => T;
}

export function hedge<T>(options: HedgeOptions<T>): Promise<T> {
  const { scope, afterMs, timeoutMs } = options;
  const startedAt = performance.now();
  const scopes: CallScope[] = [];
  return new Promise<T>((resolve, reject) => {
    let running = 0;
    let settled = false;
    // The caller's cancellation reaches every request of the race.
    const bridge: Cancellable = {
      cancel(reason, overdueMs) {
        for (const s of scopes) s.cancel(reason, overdueMs);
        finish(options.cancelled(reason));
      },
    };
    const timer = setTimeout(() => {
      const budgetLeftMs = timeoutMs - (performance.now() - startedAt);
      if (!settled && options.mayHedge(budgetLeftMs)) launch(budgetLeftMs);
    }, afterMs);

    /** Ends the race once; the losing request is cut, as nobody reads its answer. */
    function end(): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      scope?.delete(bridge);
      for (const s of scopes) s.cancel(CANCELLED);
      return true;
    }

    function finish(outcome: T) {
      if (end()) resolve(outcome);
    }

    function launch(budgetMs: number) {
      const own = new CallScope();
      scopes.push(own);
      running++;
      options.attempt(own, budgetMs).then(
        (outcome) => {
          running--;
          // A failure ends the race only when no other request can still answer (each one has had its
          // retries already, under the service's policy).
          if (options.decisive(outcome) || running === 0) finish(outcome);
        },
        (err: unknown) => {
          if (end()) reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }

    scope?.add(bridge);
    if (!settled) launch(timeoutMs);
  });
}
