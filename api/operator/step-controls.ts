// An operator's hands on a running order's step: pause the activity that keeps hammering a service
// that is down, let it go again, or start its attempts over. Temporal's own activity operations
// (PauseActivity, UnpauseActivity, ResetActivity), aimed at the one activity the order is waiting on.
import type { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { failureMessage } from '../http/failure-messages';
import { problems } from '../http/problems';
import { timestampMs } from '../orders/order-timeline';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** The step's activity as an operator sees it. */
export interface RunningStep {
  activityId: string;
  activityType: string;
  attempt: number;
  /** PAUSED, SCHEDULED (waiting for its next attempt or a worker), STARTED, CANCEL_REQUESTED. */
  state: string;
  paused: boolean;
  lastError?: string;
  lastFailedAt?: string;
  nextAttemptAt?: string;
}

const STATES: Record<number, string> = { 1: 'SCHEDULED', 2: 'STARTED', 3: 'CANCEL_REQUESTED', 4: 'PAUSED', 5: 'PAUSE_REQUESTED' };
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `lastError`: the activity's last failure as words (they are stored encoded: api/http/failure-messages.ts). */
export function runningStepOf(activity: PendingActivity, lastError?: string): RunningStep {
  const state = STATES[Number(activity.state ?? 0)] ?? 'UNKNOWN';
  return {
    activityId: activity.activityId ?? '',
    activityType: activity.activityType?.name ?? '',
    attempt: activity.attempt ?? 1,
    state,
    paused: activity.paused === true || state === 'PAUSED' || state === 'PAUSE_REQUESTED',
    ...(lastError !== undefined && { lastError }),
    ...(timestampMs(activity.lastAttemptCompleteTime) !== undefined && { lastFailedAt: iso(timestampMs(activity.lastAttemptCompleteTime)) }),
    ...(timestampMs(activity.nextAttemptScheduleTime) !== undefined && { nextAttemptAt: iso(timestampMs(activity.nextAttemptScheduleTime)) }),
  };
}

/** The activity the order waits on (an order runs one step at a time); undefined between steps. */
export async function pendingStep(client: Client, workflowId: string): Promise<{ runId: string; step?: RunningStep }> {
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.status.name !== 'RUNNING')
    throw problems.conflict(`Order run ${workflowId} has ended (${description.status.name}); it has no step to act on.`);
  const [activity] = description.raw.pendingActivities ?? [];
  if (!activity) return { runId: description.runId };
  return { runId: description.runId, step: runningStepOf(activity, await failureMessage(client, activity.lastFailure)) };
}

export type StepAction = 'pause' | 'unpause' | 'reset';

/**
 * Applies `action` to the order's pending activity. Pausing stops further attempts (the running one, if any,
 * finishes or fails on its own); unpausing schedules the next attempt at once, its attempt count reset when
 * asked; resetting starts the attempts over at 1 (a paused step stays paused).
 */
export async function controlStep(
  temporalDeps: { client: Client; connection: Connection },
  namespace: string,
  workflowId: string,
  action: StepAction,
  options: { identity: string; reason: string; resetAttempts?: boolean },
): Promise<RunningStep> {
  const { runId, step } = await pendingStep(temporalDeps.client, workflowId);
  if (!step) throw problems.conflict(`Order run ${workflowId} is between steps; there is no running step to ${action}.`);
  const target = { namespace, execution: { workflowId, runId }, identity: options.identity, id: step.activityId };
  const service = temporalDeps.connection.workflowService;
  if (action === 'pause') await service.pauseActivity({ ...target, reason: options.reason });
  else if (action === 'unpause') await service.unpauseActivity({ ...target, resetAttempts: options.resetAttempts ?? false });
  else await service.resetActivity({ ...target, keepPaused: true });
  return (await pendingStep(temporalDeps.client, workflowId)).step ?? step;
}
