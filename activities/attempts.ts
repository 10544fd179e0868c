// Every order activity reports which attempt it was, and whether a failure may have left an effect
// behind, so the workflow can show attempts and know which failed steps still need undoing.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType, type ActivityFailureDetails, type Attempted, type CallOutcome } from '../definitions/failures';

/** Failures after which the request may have been applied: no usable answer came back. */
const OUTCOME_UNKNOWN: ReadonlySet<string> = new Set([FailureType.Timeout, FailureType.ConnectionLost, FailureType.BadResponse, FailureType.Unexpected]);

interface AttemptContext {
  attempt: number;
  /** The activity was cancelled (or its worker is shutting down): the SDK reports that itself. */
  cancelled(): boolean;
  /** Whether an earlier attempt of this activity may have taken effect. */
  earlier: CallOutcome;
  /** Passes `unknown` on to the next attempt (heartbeat details survive retries). */
  remember(outcome: CallOutcome): void;
}

function attemptContext(): AttemptContext {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return { attempt: 1, cancelled: () => false, earlier: 'none', remember: () => undefined }; // called outside an activity (unit tests)
  }
  const memo: unknown = ctx.info.heartbeatDetails;
  const earlier = memo && typeof memo === 'object' && (memo as { outcome?: unknown }).outcome === 'unknown' ? 'unknown' : 'none';
  return {
    attempt: ctx.info.attempt,
    cancelled: () => ctx.cancellationSignal.aborted,
    earlier,
    remember: (outcome) => ctx.heartbeat({ outcome }),
  };
}

function asApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: FailureType.Unexpected, message, ...(err instanceof Error && { cause: err }) });
}

function statusOf(failure: ApplicationFailure): number | undefined {
  const first: unknown = failure.details?.[0];
  const status = first && typeof first === 'object' ? (first as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Runs one attempt of a downstream call. Failures come back as ApplicationFailures carrying
 * ActivityFailureDetails; a business answer (non-retryable) is the service's final word for the
 * Idempotency-Key, so it settles the outcome as `none` whatever earlier attempts saw.
 */
export async function attempted<T>(call: () => Promise<T>): Promise<Attempted<T>> {
  const ctx = attemptContext();
  try {
    return { value: await call(), attempt: ctx.attempt };
  } catch (err) {
    if (err instanceof CancelledFailure || ctx.cancelled()) throw err;
    const failure = asApplicationFailure(err);
    const thisAttempt: CallOutcome = OUTCOME_UNKNOWN.has(failure.type ?? '') ? 'unknown' : 'none';
    const outcome: CallOutcome = failure.nonRetryable ? 'none' : ctx.earlier === 'unknown' ? 'unknown' : thisAttempt;
    if (outcome === 'unknown') ctx.remember(outcome);
    const status = statusOf(failure);
    const details: ActivityFailureDetails = { attempt: ctx.attempt, outcome, ...(status !== undefined && { status }) };
    throw ApplicationFailure.create({
      message: failure.message,
      type: failure.type ?? FailureType.Unexpected,
      nonRetryable: failure.nonRetryable ?? false,
      details: [details],
      ...(failure.nextRetryDelay != null && { nextRetryDelay: failure.nextRetryDelay as number | string }),
      ...(failure.cause && { cause: failure.cause }),
    });
  }
}
