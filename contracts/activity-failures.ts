// Failure types that activities raise and workflows match on. Here, not in activities/, because
// workflow code may not import activity modules at run time.

/** ApplicationFailure types; business ones are raised non-retryable. */
export const FailureType = {
  NotFound: 'NotFound',
  BadRequest: 'BadRequest',
  PaymentDeclined: 'PaymentDeclined',
  OutOfStock: 'OutOfStock',
  AddressRejected: 'AddressRejected',
  Conflict: 'Conflict',
  Unprocessable: 'Unprocessable',
  RateLimited: 'RateLimited',
  Unavailable: 'Unavailable',
  BadResponse: 'BadResponse',
  /** No answer in time: the request may have been applied. */
  Timeout: 'Timeout',
  /** The connection broke after the request left: it may have been applied. */
  ConnectionLost: 'ConnectionLost',
  /** No connection could be made: the request never left. */
  Unreachable: 'Unreachable',
  /** Refused by Baton before sending (an ID no path can hold): the request never left. */
  Unsendable: 'Unsendable',
  Unexpected: 'Unexpected',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * Whether a failed call may have taken effect. `none`: the service refused it with one of the
 * contract's business answers, or it was never sent, or it failed cleanly on every attempt that
 * reported back; `unknown`: anything else, so the effect may exist and must be checked.
 */
export type CallOutcome = 'none' | 'unknown';

/** What an activity attaches to the failures it raises (ApplicationFailure details[0]). */
export interface ActivityFailureDetails {
  /** The attempt that raised it, counting from 1. */
  attempt: number;
  /** `unknown` when this or any earlier attempt of the same activity may have taken effect. */
  outcome: CallOutcome;
  /** The downstream HTTP status, when there was an answer. */
  status?: number;
}

/** An activity's result with the attempt that produced it, so the order can show how many it took. */
export interface Attempted<T> {
  value: T;
  attempt: number;
}
