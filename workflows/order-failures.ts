// Reads the failures that stop an order: why it stopped, how many attempts it took, and whether
// the failed call may have left an effect behind.
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { FailureReason } from '../contracts';
import { FailureType, type ActivityFailureDetails, type CallOutcome } from '../contracts/activity-failures';

/** A stop the order decides itself, not an activity's failure (a payment that never cleared...). */
export class OrderStop extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'OrderStop';
  }
}

const REASONS: Partial<Record<string, FailureReason>> = {
  [FailureType.PaymentDeclined]: 'payment_declined',
  [FailureType.OutOfStock]: 'out_of_stock',
  [FailureType.AddressRejected]: 'address_rejected',
  [FailureType.BadRequest]: 'request_rejected',
  [FailureType.Unsendable]: 'request_rejected',
  [FailureType.NotFound]: 'request_rejected',
  [FailureType.Conflict]: 'request_rejected',
  [FailureType.Unprocessable]: 'request_rejected',
  [FailureType.BadResponse]: 'bad_response',
  [FailureType.Unavailable]: 'service_unavailable',
  [FailureType.RateLimited]: 'service_unavailable',
  [FailureType.Timeout]: 'service_unavailable',
  [FailureType.ConnectionLost]: 'service_unavailable',
  [FailureType.Unreachable]: 'service_unavailable',
};

function applicationCause(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause;
  return undefined;
}

function detailsOf(err: unknown): ActivityFailureDetails | undefined {
  const first: unknown = applicationCause(err)?.details?.[0];
  if (!first || typeof first !== 'object') return undefined;
  const { attempt, outcome } = first as Partial<ActivityFailureDetails>;
  return typeof attempt === 'number' && (outcome === 'none' || outcome === 'unknown') ? (first as ActivityFailureDetails) : undefined;
}

/**
 * Whether a failed step may have taken effect. Only an activity that reported `none` is trusted;
 * a cancellation in flight, or an activity timed out by Temporal itself, leaves the outcome unknown.
 */
export function callOutcome(err: unknown): CallOutcome {
  if (isCancellation(err)) return 'unknown';
  return detailsOf(err)?.outcome ?? 'unknown';
}

export function failureReason(err: unknown): FailureReason {
  if (err instanceof OrderStop) return err.reason;
  if (isCancellation(err)) return 'cancelled';
  const type = applicationCause(err)?.type;
  if (type) return REASONS[type] ?? 'unexpected';
  // Temporal timed the activity out (no worker, or attempts that ran past their timeout).
  return err instanceof ActivityFailure ? 'service_unavailable' : 'unexpected';
}

/** The attempts a failed call made; `fallback` when the failure does not say (Temporal's own timeouts). */
export function attemptsOf(err: unknown, fallback: number): number {
  const details = detailsOf(err);
  if (details) return details.attempt;
  if (err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED') return fallback;
  return 1;
}

/** The most telling message: the downstream's words rather than "Activity task failed". */
export function messageOf(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  const cause = applicationCause(err) ?? (err instanceof ActivityFailure ? err.cause : undefined);
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The service's final word (a business answer such as a decline), as opposed to a call that gave up. */
export function isFinalAnswer(err: unknown): boolean {
  const cause = applicationCause(err);
  return cause?.nonRetryable === true && callOutcome(err) === 'none';
}
