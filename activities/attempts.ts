// Every order activity reports which attempt it was, and whether a failure may have left an effect
// behind, so the workflow can show attempts and know which failed steps still need undoing.
//
// An attempt's fate is known only when it reports it. Each failing attempt records, in its heartbeat
// details (which survive into the next attempt), its number and what may have taken effect so far.
// An attempt that finds no record of its predecessor knows that one died without reporting (a worker
// SIGKILLed or shut down past its grace, a start-to-close or heartbeat timeout): it may have taken
// effect, whatever the later attempts hear.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType, type ActivityFailureDetails, type Attempted, type CallOutcome } from '../contracts/activity-failures';

/** The service's final word for the Idempotency-Key (or a request never sent): nothing took effect, whatever came before. */
const SETTLED_NONE: ReadonlySet<string> = new Set([FailureType.PaymentDeclined, FailureType.OutOfStock, FailureType.AddressRejected, FailureType.Unsendable]);

/** This attempt did nothing (never connected, or the service declined to serve it); earlier ones still count. */
const CLEAN_FAILURE: ReadonlySet<string> = new Set([FailureType.Unreachable, FailureType.Unavailable, FailureType.RateLimited]);

/** Anything else (a timeout, a lost connection, a garbled body, a 401/403/404/409 from whoever answered) proves nothing. */
export function outcomeAfter(type: string | undefined | null, earlier: CallOutcome): CallOutcome {
  if (type && SETTLED_NONE.has(type)) return 'none';
  if (type && CLEAN_FAILURE.has(type)) return earlier;
  return 'unknown';
}

/** What a failing attempt leaves for the next one. */
interface AttemptRecord {
  attempt: number;
  outcome: CallOutcome;
}

function asRecord(details: unknown): AttemptRecord | undefined {
  if (!details || typeof details !== 'object') return undefined;
  const { attempt, outcome } = details as Partial<AttemptRecord>;
  return typeof attempt === 'number' && (outcome === 'none' || outcome === 'unknown') ? { attempt, outcome } : undefined;
}

interface AttemptContext {
  attempt: number;
  /** The activity was cancelled (or its worker is shutting down): the SDK reports that itself. */
  cancelled(): boolean;
  /** Whether an earlier attempt of this activity may have taken effect. */
  earlier: CallOutcome;
  /** Leaves this attempt's fate for the next attempt. */
  record(outcome: CallOutcome): void;
  /**
   * Heartbeats while the call runs, so that a dead worker is noticed within the heartbeat timeout and
   * a cancellation reaches the attempt. Returns the function that stops it.
   */
  keepAlive(): () => void;
}

/** Heartbeats this often within the heartbeat timeout, so one late beat is not a timeout. */
const BEATS_PER_TIMEOUT = 3;

export function attemptContext(ctx: Context | undefined = currentContext()): AttemptContext {
  if (!ctx) return { attempt: 1, cancelled: () => false, earlier: 'none', record: () => undefined, keepAlive: () => () => undefined };
  const { attempt, heartbeatTimeoutMs } = ctx.info;
  const heartbeatDetails: unknown = ctx.info.heartbeatDetails;
  const predecessor = asRecord(heartbeatDetails);
  const earlier: CallOutcome = attempt === 1 ? 'none' : predecessor?.attempt === attempt - 1 ? predecessor.outcome : 'unknown';
  return {
    attempt,
    cancelled: () => ctx.cancellationSignal.aborted,
    earlier,
    record: (outcome) => ctx.heartbeat({ attempt, outcome } satisfies AttemptRecord),
    keepAlive() {
      if (!heartbeatTimeoutMs) return () => undefined;
      // Liveness beats carry the predecessor's record unchanged: only a reported failure adds one.
      const timer = setInterval(() => ctx.heartbeat(heartbeatDetails), Math.max(50, heartbeatTimeoutMs / BEATS_PER_TIMEOUT));
      return () => clearInterval(timer);
    },
  };
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
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
 * ActivityFailureDetails: the attempt, and whether this or any earlier attempt may have taken effect.
 */
export async function attempted<T>(call: () => Promise<T>, ctx: AttemptContext = attemptContext()): Promise<Attempted<T>> {
  const stopBeating = ctx.keepAlive();
  try {
    return { value: await call(), attempt: ctx.attempt };
  } catch (err) {
    // A read aborted by the cancellation: the SDK reports the cancellation itself.
    if (err instanceof CancelledFailure || (ctx.cancelled() && !(err instanceof ApplicationFailure))) throw err;
    const failure = asApplicationFailure(err);
    const outcome = outcomeAfter(failure.type, ctx.earlier);
    ctx.record(outcome);
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
  } finally {
    stopBeating();
  }
}
