// An order's timeline, read from its run's event history (so it answers for any run, open or closed,
// without a worker): one entry per activity the saga scheduled, with its attempts, start, end,
// duration and outcome, and whether it belonged to the compensation.
import type { WorkflowHandle } from '@temporalio/client';
import type { CompensationName } from '../../contracts';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export type TimelineOutcome = 'scheduled' | 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled';

export interface TimelineEntry {
  /** The activity type: authorizePayment, reserveInventory, refundPayment, ... */
  name: string;
  activityId: string;
  /** Attempts made (the last attempt's number; retries inside one scheduling). */
  attempts: number;
  scheduledAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  outcome: TimelineOutcome;
  /** An undo (refund, release, cancel), or a repeat of a step's request made to learn what to undo. */
  compensation: boolean;
  error?: string;
}

const COMPENSATIONS: ReadonlySet<string> = new Set<CompensationName>(['refundPayment', 'releaseReservation', 'cancelShipment']);

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
interface Timestamp {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}

/** Milliseconds of a protobuf Timestamp, whether its seconds are a Long (from the server) or a number. */
export function timestampMs(ts: Timestamp | null | undefined): number | undefined {
  if (ts?.seconds === undefined || ts.seconds === null) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

const eventMs = (event: HistoryEvent) => timestampMs(event.eventTime);
/** Event IDs are Longs from the server, numbers in hand-made histories. */
const idOf = (value: number | { toString(): string } | null | undefined): string => (value === null || value === undefined ? '' : value.toString());

interface Pending {
  entry: TimelineEntry;
  scheduledMs?: number;
  startedMs?: number;
}

/** The timeline of a history; entries in the order the activities were scheduled. */
type Failure = NonNullable<NonNullable<HistoryEvent['activityTaskFailedEventAttributes']>['failure']>;
const rawMessage = (failure: Failure) => (failure.cause?.message ? `${failure.message}: ${failure.cause.message}` : (failure.message ?? undefined));

/** Every activity failure in the history, for decoding before the timeline is built (api/http/failure-messages.ts). */
export function activityFailuresOf(history: History): Failure[] {
  return (history.events ?? []).flatMap((e) =>
    [e.activityTaskFailedEventAttributes?.failure, e.activityTaskTimedOutEventAttributes?.failure].filter((f): f is Failure => !!f),
  );
}

/** `messageOf`: a failure's words; failures are stored encoded, so the route passes their decoded messages. */
export function timelineOf(history: History, messageOf: (failure: Failure) => string | undefined = rawMessage): TimelineEntry[] {
  const byScheduledId = new Map<string, Pending>();
  const entries: Pending[] = [];
  const seenTypes = new Set<string>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const name = scheduled.activityType?.name ?? 'unknown';
      const entry: TimelineEntry = {
        name,
        activityId: scheduled.activityId ?? '',
        attempts: 0,
        scheduledAt: iso(eventMs(event)) ?? '',
        outcome: 'scheduled',
        // A forward step is scheduled once (its retries are attempts); a second one is a compensation's recall.
        compensation: COMPENSATIONS.has(name) || seenTypes.has(name),
      };
      seenTypes.add(name);
      const pending: Pending = { entry, scheduledMs: eventMs(event) };
      byScheduledId.set(idOf(event.eventId), pending);
      entries.push(pending);
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const pending = byScheduledId.get(idOf(started.scheduledEventId));
      if (pending) {
        pending.startedMs = eventMs(event);
        pending.entry.startedAt = iso(pending.startedMs);
        pending.entry.attempts = started.attempt ?? 1;
        pending.entry.outcome = 'running';
        if (started.lastFailure?.message) pending.entry.error = started.lastFailure.message;
      }
      continue;
    }
    const closed =
      (event.activityTaskCompletedEventAttributes && { attrs: event.activityTaskCompletedEventAttributes, outcome: 'completed' as const }) ||
      (event.activityTaskFailedEventAttributes && { attrs: event.activityTaskFailedEventAttributes, outcome: 'failed' as const }) ||
      (event.activityTaskTimedOutEventAttributes && { attrs: event.activityTaskTimedOutEventAttributes, outcome: 'timed_out' as const }) ||
      (event.activityTaskCanceledEventAttributes && { attrs: event.activityTaskCanceledEventAttributes, outcome: 'cancelled' as const });
    if (closed) {
      const pending = byScheduledId.get(idOf(closed.attrs.scheduledEventId));
      if (!pending) continue;
      const endMs = eventMs(event);
      const { entry } = pending;
      entry.outcome = closed.outcome;
      entry.finishedAt = iso(endMs);
      if (entry.attempts === 0) entry.attempts = 1;
      // Timed out before any attempt started: the time it waited counts.
      const since = pending.startedMs ?? pending.scheduledMs;
      if (endMs !== undefined && since !== undefined) entry.durationMs = endMs - since;
      const failure = 'failure' in closed.attrs ? closed.attrs.failure : undefined;
      if (closed.outcome === 'completed') delete entry.error;
      else if (failure) {
        const message = messageOf(failure);
        if (message) entry.error = message;
      }
    }
  }
  return entries.map((p) => p.entry);
}
