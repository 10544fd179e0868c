// Cancelling a composition's outstanding calls at once. An AbortSignal per call costs more than the
// rest of the call's bookkeeping together (EventTarget is slow in Node), so the hot path uses this
// plain set instead; `fromSignal` bridges a real AbortSignal (the client's request) into it.

export interface Cancellable {
  /** `overdueMs`: how late the timer that cancels fired (0 when no timer did). */
  cancel(reason: symbol, overdueMs?: number): void;
}

export class CallScope {
  readonly #calls = new Set<Cancellable>();
  #reason: symbol | undefined;
  #overdueMs = 0;

  /** Why the scope was cancelled, or undefined while it is live. */
  get reason(): symbol | undefined {
    return this.#reason;
  }

  /** Tracks `call` until `delete`; a call joining a cancelled scope is cancelled at once. */
  add(call: Cancellable): void {
    if (this.#reason !== undefined) call.cancel(this.#reason, this.#overdueMs);
    else this.#calls.add(call);
  }

  delete(call: Cancellable): void {
    this.#calls.delete(call);
  }

  /** Cancels every tracked call; the first reason wins. */
  cancel(reason: symbol, overdueMs = 0): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#overdueMs = overdueMs;
    for (const call of this.#calls) call.cancel(reason, overdueMs);
    this.#calls.clear();
  }
}
