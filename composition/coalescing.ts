// Identical calls in flight at once share one request: a burst of requests for one popular user costs
// its service one call, not one per request. The shared request lives as long as somebody waits for it.
// Each caller keeps its own budget and its own cancellation (a client that leaves, a deadline); the
// request is cut only when the last caller has left, so one impatient client never fails the others.
// A caller that joins gets the request's outcome, and the request runs on the budget of the caller that
// started it.
import { CallScope, type Cancellable } from './call-scope';
import { DEADLINE_EXCEEDED } from './source-failures';

/** Why a caller stopped waiting before the request answered: its scope's reason, or its own timeout. */
export const WAIT_TIMED_OUT: unique symbol = Symbol('wait timed out');

export class Coalescer<T> {
  readonly #inFlight = new Map<string, Shared<T>>();

  /**
   * Runs `start` for `key` unless a request for it is in flight, and waits for that request's outcome
   * within `timeoutMs` and `scope`. `left` says what a caller that stopped waiting gets (its scope's
   * reason, or WAIT_TIMED_OUT), `joined` how a caller that joined sees the outcome.
   */
  run(
    key: string,
    timeoutMs: number,
    scope: CallScope | undefined,
    start: (scope: CallScope) => Promise<T>,
    left: (reason: symbol) => T,
    joined: (outcome: T) => T,
  ): Promise<T> {
    let shared = this.#inFlight.get(key);
    const leader = shared === undefined;
    if (shared === undefined) {
      const made = new Shared<T>(performance.now() + timeoutMs, () => {
        if (this.#inFlight.get(key) === made) this.#inFlight.delete(key);
      });
      shared = made;
      this.#inFlight.set(key, made);
      start(made.scope).then(
        (outcome) => made.settle(outcome, joined),
        (err: unknown) => made.fail(err),
      );
    }
    return shared.wait(timeoutMs, scope, left, leader);
  }
}

class Shared<T> {
  readonly scope = new CallScope();
  readonly #waiters = new Set<Waiter<T>>();
  readonly #forget: () => void;
  #done = false;

  /**
   * `endsAt`: when the request gives up on its own (the leader's budget). `forget` takes it out of the
   * in-flight map, so that nobody joins a request that is over.
   */
  constructor(
    readonly endsAt: number,
    forget: () => void,
  ) {
    this.#forget = forget;
  }

  wait(timeoutMs: number, scope: CallScope | undefined, left: (reason: symbol) => T, leader: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = new Waiter<T>(this, resolve, reject, left, leader, scope);
      this.#waiters.add(waiter);
      // A joiner whose budget ends before the request's needs a timer of its own; anyone else is answered
      // by the request, which ends no later than they do.
      if (performance.now() + timeoutMs < this.endsAt) waiter.arm(timeoutMs);
      scope?.add(waiter);
    });
  }

  settle(outcome: T, joined: (outcome: T) => T): void {
    this.#end();
    for (const waiter of this.#waiters) waiter.answer(waiter.leader ? outcome : joined(outcome));
    this.#waiters.clear();
  }

  fail(err: unknown): void {
    this.#end();
    for (const waiter of this.#waiters) waiter.reject(err);
    this.#waiters.clear();
  }

  leave(waiter: Waiter<T>, reason: symbol, overdueMs: number): void {
    this.#waiters.delete(waiter);
    if (this.#waiters.size > 0 || this.#done) return;
    // The last caller left: nobody reads the answer, so the request is cut, for that caller's reason. A
    // deadline stays a deadline, so that the service's breaker counts the timeout exactly as it would
    // have counted a call that was never shared.
    this.#end();
    this.scope.cancel(reason === WAIT_TIMED_OUT ? DEADLINE_EXCEEDED : reason, overdueMs);
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#forget();
  }
}

class Waiter<T> implements Cancellable {
  #settled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly shared: Shared<T>,
    readonly resolve: (outcome: T) => void,
    readonly rejectWith: (err: unknown) => void,
    readonly left: (reason: symbol) => T,
    readonly leader: boolean,
    readonly scope: CallScope | undefined,
  ) {}

  arm(timeoutMs: number): void {
    const endsAt = performance.now() + timeoutMs;
    this.#timer = setTimeout(() => this.cancel(WAIT_TIMED_OUT, performance.now() - endsAt), Math.max(0, timeoutMs));
  }

  cancel(reason: symbol, overdueMs = 0): void {
    if (!this.#finish()) return;
    this.shared.leave(this, reason, overdueMs);
    this.resolve(this.left(reason));
  }

  answer(outcome: T): void {
    if (this.#finish()) this.resolve(outcome);
  }

  reject(err: unknown): void {
    if (this.#finish()) this.rejectWith(err);
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.scope?.delete(this);
    return true;
  }
}
