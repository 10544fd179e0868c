import { describe, expect, it } from 'vitest';
import { parseEnv, workerEnv } from '../../../config/env';
import { workerTuning } from '../../../worker/tuning';
import { issuesOf } from '../../support/env-issues';

const tuning = (vars: Record<string, string> = {}) => workerTuning(parseEnv(workerEnv, { BATON_PAYLOAD_KEYS: 'off', ...vars }));

describe('worker tuning from the environment', () => {
  it('polls both kinds of task on TEMPORAL_TASK_QUEUE with the SDK defaults by default', () => {
    expect(tuning()).toEqual({ role: 'all', taskQueue: 'baton', overrides: {} });
    expect(tuning({ TEMPORAL_TASK_QUEUE: 'orders' }).taskQueue).toBe('orders');
  });

  it('maps the limits onto the worker options', () => {
    expect(tuning({ BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '80', BATON_MAX_CONCURRENT_ACTIVITIES: '250', BATON_MAX_CACHED_WORKFLOWS: '0' }).overrides).toEqual({
      maxConcurrentWorkflowTaskExecutions: 80,
      maxConcurrentActivityTaskExecutions: 250,
      maxCachedWorkflows: 0,
    });
  });

  it('lets an activities-only pool poll its own queue', () => {
    expect(tuning({ BATON_WORKER_ROLE: 'activities', BATON_ACTIVITY_TASK_QUEUE: 'baton-payments', BATON_MAX_CONCURRENT_ACTIVITIES: '5' })).toEqual({
      role: 'activities',
      taskQueue: 'baton-payments',
      overrides: { maxConcurrentActivityTaskExecutions: 5 },
    });
    expect(tuning({ BATON_WORKER_ROLE: 'activities' }).taskQueue).toBe('baton');
    expect(tuning({ BATON_WORKER_ROLE: 'workflows', BATON_MAX_CACHED_WORKFLOWS: '500' })).toEqual({
      role: 'workflows',
      taskQueue: 'baton',
      overrides: { maxCachedWorkflows: 500 },
    });
  });

  it('rejects settings that would silently do nothing', () => {
    expect(issuesOf(() => tuning({ BATON_ACTIVITY_TASK_QUEUE: 'baton-payments' })).map((i) => i.variable)).toEqual(['BATON_ACTIVITY_TASK_QUEUE']);
    expect(
      issuesOf(() => tuning({ BATON_WORKER_ROLE: 'activities', BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '10', BATON_MAX_CACHED_WORKFLOWS: '10' })).map(
        (i) => i.variable,
      ),
    ).toEqual(['BATON_MAX_CONCURRENT_WORKFLOW_TASKS', 'BATON_MAX_CACHED_WORKFLOWS']);
    expect(issuesOf(() => tuning({ BATON_WORKER_ROLE: 'workflows', BATON_MAX_CONCURRENT_ACTIVITIES: '10' })).map((i) => i.variable)).toEqual([
      'BATON_MAX_CONCURRENT_ACTIVITIES',
    ]);
  });

  it('validates the values themselves', () => {
    const issues = issuesOf(() =>
      parseEnv(workerEnv, {
        BATON_PAYLOAD_KEYS: 'off',
        BATON_WORKER_ROLE: 'both',
        BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '1',
        BATON_MAX_CONCURRENT_ACTIVITIES: 'lots',
      }),
    );
    expect(issues.map((i) => i.variable).sort()).toEqual(['BATON_MAX_CONCURRENT_ACTIVITIES', 'BATON_MAX_CONCURRENT_WORKFLOW_TASKS', 'BATON_WORKER_ROLE']);
  });
});
