// Worker tuning from the environment: what a worker polls and how much it runs at once.
//
// - BATON_WORKER_ROLE=all (default): one pool runs workflow and activity tasks from TEMPORAL_TASK_QUEUE.
// - BATON_WORKER_ROLE=workflows: only workflow tasks (cheap, CPU and memory for replay and the cache).
// - BATON_WORKER_ROLE=activities: only activity tasks (the downstream calls), from BATON_ACTIVITY_TASK_QUEUE
//   when set, else from TEMPORAL_TASK_QUEUE. Workflows schedule their activities on their own task queue
//   unless their code names another one, so a dedicated queue only receives work once a workflow's
//   proxyActivities sets `taskQueue` to it.
import type { WorkerOptions } from '@temporalio/worker';
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
>;

/** The worker options tuning may set; passed as `overrides` to createBatonWorker. */
export type TuningOverrides = Pick<WorkerOptions, 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows'>;

export interface WorkerTuning {
  role: WorkerRole;
  /** The task queue this worker polls. */
  taskQueue: string;
  /** Only the limits that were set: the SDK's defaults stay in force for the others. */
  overrides: TuningOverrides;
}

/** Maps the environment onto the worker's role, task queue and limits; throws an EnvError for contradictions. */
export function workerTuning(env: WorkerTuningEnv): WorkerTuning {
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

  const overrides: TuningOverrides = {};
  if (env.BATON_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined) {
    overrides.maxConcurrentWorkflowTaskExecutions = env.BATON_MAX_CONCURRENT_WORKFLOW_TASKS;
  }
  if (env.BATON_MAX_CONCURRENT_ACTIVITIES !== undefined) {
    overrides.maxConcurrentActivityTaskExecutions = env.BATON_MAX_CONCURRENT_ACTIVITIES;
  }
  if (env.BATON_MAX_CACHED_WORKFLOWS !== undefined) overrides.maxCachedWorkflows = env.BATON_MAX_CACHED_WORKFLOWS;

  const taskQueue = role === 'activities' ? (env.BATON_ACTIVITY_TASK_QUEUE ?? env.TEMPORAL_TASK_QUEUE) : env.TEMPORAL_TASK_QUEUE;
  return { role, taskQueue, overrides };
}
