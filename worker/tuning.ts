// Worker tuning from the environment: what a worker polls and how much it runs at once.
//
// - BATON_WORKER_ROLE=all (default): one pool runs workflow and activity tasks from TEMPORAL_TASK_QUEUE.
// - BATON_WORKER_ROLE=workflows: only workflow tasks (cheap, CPU and memory for replay and the cache).
// - BATON_WORKER_ROLE=activities: only activity tasks (the downstream calls), from BATON_ACTIVITY_TASK_QUEUE
//   when set, else from TEMPORAL_TASK_QUEUE. Workflows schedule their activities on their own task queue
//   unless their code names another one, so a dedicated queue only receives work once a workflow's
//   proxyActivities sets `taskQueue` to it.
//
// A worker polling TEMPORAL_TASK_QUEUE polls its burst lane too (lib/burst-lane.ts), as a second SDK worker
// with a pool of its own: BATON_BURST_WORKFLOW_TASKS workflow tasks at a time, and a quarter of the
// worker's activity slots and workflow cache (the limits stay the worker's totals). The lane's slots wait for
// the main pool to go idle, up to BATON_BURST_YIELD_MS each (worker/lane-yield.ts).
import type { WorkerOptions } from '@temporalio/worker';
import v8 from 'node:v8';
import { burstLane } from '../lib/burst-lane';
import { EnvError, type WorkerEnv } from '../config/env';

export type WorkerRole = WorkerEnv['BATON_WORKER_ROLE'];

export type WorkerTuningEnv = Pick<
  WorkerEnv,
  | 'TEMPORAL_TASK_QUEUE'
  | 'BATON_WORKER_ROLE'
  | 'BATON_ACTIVITY_TASK_QUEUE'
  | 'BATON_MAX_CONCURRENT_WORKFLOW_TASKS'
  | 'BATON_MAX_CONCURRENT_ACTIVITIES'
  | 'BATON_MAX_CACHED_WORKFLOWS'
  | 'BATON_BURST_WORKFLOW_TASKS'
  | 'BATON_BURST_YIELD_MS'
>;

/** The worker options tuning may set; passed as `overrides` to createBatonWorker. */
export type TuningOverrides = Pick<WorkerOptions, 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows'>;

/** One task queue the worker polls, with the limits of its own pool. */
export interface WorkerLane {
  taskQueue: string;
  /** Only the limits that were set: the SDK's defaults stay in force for the others. */
  overrides: TuningOverrides;
  /** The burst lane's slots wait up to this long for the main pool to go idle (worker/lane-yield.ts). */
  yieldMs?: number;
}

export interface WorkerTuning {
  role: WorkerRole;
  /** The task queue this worker polls (its burst lane besides, when it has one). */
  taskQueue: string;
  /** The task queue first, then its burst lane, if polled. */
  lanes: WorkerLane[];
}

/** The SDK's own activity slots per worker when none are set. */
const SDK_DEFAULT_ACTIVITIES = 100;
/** The part of a worker's activity slots and workflow cache that its burst lane gets. */
const BURST_LANE_SHARE = 0.25;

/**
 * The SDK's default workflow cache for one worker, from the heap limit (the SDK's formula with reused V8
 * contexts, its default): a worker now holds two SDK workers, which share it.
 */
export function sdkDefaultCachedWorkflows(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  const heapMiB = heapLimitBytes / 1024 / 1024;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

/** `total` split between the main lane and the burst lane; each at least `min` unless the total is 0. */
function split(total: number, min: number): [number, number] {
  if (total === 0) return [0, 0];
  const burst = Math.max(min, Math.round(total * BURST_LANE_SHARE));
  return [Math.max(min, total - burst), burst];
}

/** Maps the environment onto the worker's role, task queues and limits; throws an EnvError for contradictions. */
export function workerTuning(env: WorkerTuningEnv, heapLimitBytes?: number): WorkerTuning {
  const role = env.BATON_WORKER_ROLE;
  const issues: { variable: string; message: string }[] = [];
  if (env.BATON_ACTIVITY_TASK_QUEUE !== undefined && role !== 'activities') {
    issues.push({
      variable: 'BATON_ACTIVITY_TASK_QUEUE',
      message: `only applies to BATON_WORKER_ROLE=activities (this worker's role is ${role})`,
    });
  }
  // A limit for a kind of task this worker never polls is a misconfiguration, not a no-op to ignore silently.
  if (role === 'activities') {
    for (const variable of ['BATON_MAX_CONCURRENT_WORKFLOW_TASKS', 'BATON_MAX_CACHED_WORKFLOWS'] as const) {
      if (env[variable] !== undefined) issues.push({ variable, message: 'does not apply to BATON_WORKER_ROLE=activities' });
    }
  }
  if (role === 'workflows' && env.BATON_MAX_CONCURRENT_ACTIVITIES !== undefined) {
    issues.push({ variable: 'BATON_MAX_CONCURRENT_ACTIVITIES', message: 'does not apply to BATON_WORKER_ROLE=workflows' });
  }
  if (issues.length > 0) throw new EnvError(issues);

  // A dedicated activity queue has no burst lane: activities go there whichever lane their order runs on.
  if (role === 'activities' && env.BATON_ACTIVITY_TASK_QUEUE !== undefined) {
    const overrides: TuningOverrides = {};
    if (env.BATON_MAX_CONCURRENT_ACTIVITIES !== undefined) overrides.maxConcurrentActivityTaskExecutions = env.BATON_MAX_CONCURRENT_ACTIVITIES;
    return { role, taskQueue: env.BATON_ACTIVITY_TASK_QUEUE, lanes: [{ taskQueue: env.BATON_ACTIVITY_TASK_QUEUE, overrides }] };
  }

  const main: TuningOverrides = {};
  const burst: TuningOverrides = {};
  if (role !== 'activities') {
    if (env.BATON_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined) main.maxConcurrentWorkflowTaskExecutions = env.BATON_MAX_CONCURRENT_WORKFLOW_TASKS;
    burst.maxConcurrentWorkflowTaskExecutions = env.BATON_BURST_WORKFLOW_TASKS;
    [main.maxCachedWorkflows, burst.maxCachedWorkflows] = split(env.BATON_MAX_CACHED_WORKFLOWS ?? sdkDefaultCachedWorkflows(heapLimitBytes), 2);
  }
  if (role !== 'workflows') {
    [main.maxConcurrentActivityTaskExecutions, burst.maxConcurrentActivityTaskExecutions] = split(
      env.BATON_MAX_CONCURRENT_ACTIVITIES ?? SDK_DEFAULT_ACTIVITIES,
      1,
    );
  }
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  return {
    role,
    taskQueue,
    lanes: [
      { taskQueue, overrides: main },
      { taskQueue: burstLane(taskQueue), overrides: burst, ...(env.BATON_BURST_YIELD_MS > 0 && { yieldMs: env.BATON_BURST_YIELD_MS }) },
    ],
  };
}
