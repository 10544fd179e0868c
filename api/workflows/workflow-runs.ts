// Starting and reading runs of any registered workflow type, under the starter (starter.ts): the generic
// routes and POST /orders share these, so idempotent starts, `Prefer: wait` and early-return updates behave the same everywhere.
import { createHash } from 'node:crypto';
import {
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type Client,
  type Connection,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { z } from '@hono/zod-openapi';
import type { AnyWorkflowDefinition } from '../../contracts';
import { burstLane } from '../../lib/burst-lane';
import type { AppConfig } from '../http/deps';
import { problems } from '../http/problems';
import { BURST_PRIORITY_KEY } from './burst-priority';

/** The longest `Prefer: wait` honoured, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/** `Prefer: wait=N` (RFC 7240), capped; undefined when absent or malformed. */
export function preferredWait(header: string | undefined): number | undefined {
  const match = header ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header) : null;
  if (!match?.[1]) return undefined;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
}

/**
 * The request's Temporal deadline, stretched by a wait: the calls made after waiting (describe, read
 * the state) must not inherit a deadline that passed while we waited.
 */
export function withWaitDeadline<T>(connection: Connection, wait: number | undefined, marginMs: number, fn: () => Promise<T>): Promise<T> {
  return wait === undefined ? fn() : connection.withDeadline(Date.now() + wait * 1000 + marginMs, fn);
}

type Waited<T> = { done: true; value: T } | { done: false };

/**
 * Runs `fn` for at most `seconds`, with a Temporal deadline that lasts as long (the request's usual
 * deadline is shorter than a wait), and cancels its calls when time is up.
 */
export async function waitAtMost<T>(connection: Connection, seconds: number, fn: () => Promise<T>): Promise<Waited<T>> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<Waited<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), seconds * 1000);
  });
  const work = connection
    .withDeadline(Date.now() + seconds * 1000 + 5000, () => connection.withAbortSignal(abort.signal, fn))
    .then((value): Waited<T> => ({ done: true, value }));
  try {
    return await Promise.race([work, timeUp]);
  } finally {
    clearTimeout(timer);
    abort.abort();
    work.catch(() => undefined); // a call cut short by the abort
  }
}

/**
 * A run's status as describe() names it, in the order of temporal.api.enums.v1.WorkflowExecutionStatus
 * (so a status code indexes it); UNKNOWN for a code this SDK does not know.
 */
export const RunStatus = z.enum([
  'UNSPECIFIED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
  'PAUSED',
  'UNKNOWN',
]);
export type RunStatus = z.infer<typeof RunStatus>;

export interface RunOutcome {
  status: RunStatus;
  result?: unknown;
  failure?: string;
}

function failedStatus(err: WorkflowFailedError): RunStatus {
  if (err.cause instanceof CancelledFailure) return 'CANCELLED';
  if (err.cause instanceof TerminatedFailure) return 'TERMINATED';
  if (err.cause instanceof TimeoutFailure) return 'TIMED_OUT';
  return 'FAILED';
}

/** How a run ended (waits for it to end): its result, or why it did not produce one. */
export async function runOutcome(client: Client, workflowId: string, runId: string): Promise<RunOutcome> {
  const handle = client.workflow.getHandle(workflowId, runId, { followRuns: false });
  try {
    const result: unknown = await handle.result();
    return { status: 'COMPLETED', result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) return { status: failedStatus(err), failure: err.cause?.message ?? err.message };
    throw err;
  }
}

export interface StartRequest {
  workflowId: string;
  input: unknown;
  /** Seconds to wait for the result (or for the early-return update), from `Prefer: wait`. */
  wait?: number;
  /**
   * The start is part of its customer's burst past the allowance (api/workflows/burst-priority.ts): the run goes to
   * the burst lane (lib/burst-lane.ts) at Temporal's priority BURST_PRIORITY_KEY, so other customers' orders go first.
   */
  burst?: boolean;
}

export interface StartOutcome extends RunOutcome {
  workflowId: string;
  runId: string;
  /** A run with this ID existed already: nothing new was started. */
  existing: boolean;
  /** The run has an answer: it closed, or its early-return update answered (`early`). */
  answered: boolean;
  early?: unknown;
}

interface RunDeps {
  client: Client;
  connection: Connection;
  config: Pick<AppConfig, 'taskQueue'>;
}

/** What a start asks of Temporal: every route's start, and the benchmarks' orders started as the API starts them. */
export function startOptions(def: AnyWorkflowDefinition, config: RunDeps['config'], request: StartRequest): WorkflowStartOptions {
  const taskQueue = def.taskQueue ?? config.taskQueue;
  return {
    taskQueue: request.burst ? burstLane(taskQueue) : taskQueue,
    workflowId: request.workflowId,
    args: [request.input],
    workflowIdReusePolicy: def.idReusePolicy ?? 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: def.idConflictPolicy ?? 'FAIL',
    // The definition's search attributes (an order's CustomerId and OrderStatus), so visibility finds the run.
    ...(def.searchAttributes && { typedSearchAttributes: def.searchAttributes(request.input) }),
    ...runMetadata(def, request.input),
    ...(def.fairnessKey && {
      priority: {
        fairnessKey: storedFairnessKey(def.fairnessKey(request.input)),
        ...(request.burst && { priorityKey: BURST_PRIORITY_KEY }),
      },
    }),
    ...(def.defaultTimeouts?.executionTimeout !== undefined && { workflowExecutionTimeout: def.defaultTimeouts.executionTimeout }),
    ...(def.defaultTimeouts?.runTimeout !== undefined && { workflowRunTimeout: def.defaultTimeouts.runTimeout }),
  };
}

/**
 * The fairness key as Temporal stores it: a digest, so the key (a customer ID) is not stored in plaintext in
 * every task of the history (the CustomerId search attribute is the one place it must be, for search), and
 * it always fits Temporal's 64-byte limit. One key still gives one digest: fairness is unchanged.
 */
export function storedFairnessKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

/** The definition's summary and details of a run, for the Web UI. */
function runMetadata(def: AnyWorkflowDefinition, input: unknown): Pick<WorkflowStartOptions, 'staticSummary' | 'staticDetails'> {
  if (!def.describeRun) return {};
  const { summary, details } = def.describeRun(input);
  return { staticSummary: summary, ...(details !== undefined && { staticDetails: details }) };
}

/** The latest run of this ID as it is now; a closed one with its outcome. */
async function currentRun({ client }: RunDeps, workflowId: string, existing: boolean): Promise<StartOutcome> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const status = description.status.name;
  const base = { workflowId, runId: description.runId, existing };
  if (status === 'RUNNING') return { ...base, status, answered: false };
  return { ...base, ...(await runOutcome(client, workflowId, description.runId)), answered: true };
}

async function waitForOutcome(deps: RunDeps, run: StartOutcome, wait: number | undefined): Promise<StartOutcome> {
  if (wait === undefined || run.answered) return run;
  const waited = await waitAtMost(deps.connection, wait, () => runOutcome(deps.client, run.workflowId, run.runId));
  return waited.done ? { ...run, ...waited.value, answered: true } : run;
}

/**
 * Starts a run, or finds the one a repeated request started (same ID: the caller answers 200). With a
 * wait, waits for its result; a definition with an early-return update is started with
 * update-with-start instead, and answers as soon as that update does.
 */
export async function startRun(deps: RunDeps, def: AnyWorkflowDefinition, request: StartRequest): Promise<StartOutcome> {
  if (request.wait !== undefined && def.earlyReturnUpdate !== undefined) return startWithEarlyReturn(deps, def, request.wait, request);
  let run: StartOutcome;
  try {
    const handle = await deps.client.workflow.start(def.type, startOptions(def, deps.config, request));
    run = { workflowId: request.workflowId, runId: handle.firstExecutionRunId, existing: false, status: 'RUNNING', answered: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    run = await currentRun(deps, request.workflowId, true);
  }
  return waitForOutcome(deps, run, request.wait);
}

/**
 * Update-with-start (conflict policy USE_EXISTING): one call starts the run, or joins the running
 * one, and returns when the early-return update answers. A run already closed is answered from its outcome.
 */
async function startWithEarlyReturn(deps: RunDeps, def: AnyWorkflowDefinition, wait: number, request: StartRequest): Promise<StartOutcome> {
  const { client, connection } = deps;
  const updateName = def.earlyReturnUpdate as string;
  const operation = new WithStartWorkflowOperation(def.type, { ...startOptions(def, deps.config, request), workflowIdConflictPolicy: 'USE_EXISTING' });
  let closed = false;
  const waited = await waitAtMost(connection, wait, async () => {
    const update = await client.workflow.startUpdateWithStart(def.update[updateName] ?? updateName, {
      args: [{}],
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: operation,
    });
    const early: unknown = await update.result();
    const runId = update.workflowRunId ?? (await client.workflow.getHandle(request.workflowId).describe()).runId;
    return { early, runId };
  }).catch((err: unknown) => {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      closed = true;
      return { done: false as const };
    }
    if (err instanceof WorkflowUpdateFailedError) throw problems.conflict(`The ${updateName} update failed: ${err.cause?.message ?? err.message}`);
    throw err;
  });
  if (waited.done) {
    return { workflowId: request.workflowId, runId: waited.value.runId, existing: false, status: 'RUNNING', answered: true, early: waited.value.early };
  }
  // No early answer in time: the run as it is now (it started, or it had closed before).
  return currentRun(deps, request.workflowId, closed);
}
