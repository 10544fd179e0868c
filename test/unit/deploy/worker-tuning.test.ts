import { describe, expect, it } from 'vitest';
import { parseEnv, workerEnv } from '../../../config/env';
import { noopMetricMeter } from '@temporalio/common';
import { compileWorkerOptions } from '@temporalio/worker/lib/worker-options';
import { sdkDefaultCachedWorkflows, workerTuning } from '../../../worker/tuning';
import { issuesOf } from '../../support/env-issues';

const tuning = (vars: Record<string, string> = {}, heapLimitBytes?: number) =>
  workerTuning(parseEnv(workerEnv, { BATON_PAYLOAD_KEYS: 'off', ...vars }), heapLimitBytes);

const GiB = 1024 ** 3;

describe('worker tuning from the environment', () => {
  it('polls both kinds of task on TEMPORAL_TASK_QUEUE and its burst lane, sharing the SDK defaults between them', () => {
    const defaultCache = sdkDefaultCachedWorkflows(4 * GiB);
    expect(tuning({}, 4 * GiB)).toEqual({
      role: 'all',
      taskQueue: 'baton',
      lanes: [
        { taskQueue: 'baton', overrides: { maxCachedWorkflows: defaultCache - Math.round(defaultCache / 4), maxConcurrentActivityTaskExecutions: 75 } },
        {
          taskQueue: 'baton-burst',
          overrides: { maxConcurrentWorkflowTaskExecutions: 2, maxCachedWorkflows: Math.round(defaultCache / 4), maxConcurrentActivityTaskExecutions: 25 },
          yieldMs: 1000,
        },
      ],
    });
    expect(tuning({ TEMPORAL_TASK_QUEUE: 'orders' }).lanes.map((l) => l.taskQueue)).toEqual(['orders', 'orders-burst']);
  });

  it("uses the SDK's own default workflow cache as the total", () => {
    const logger = { warn() {}, info() {}, debug() {}, error() {}, trace() {}, log() {} };
    const sdk = compileWorkerOptions({ taskQueue: 'x', activities: {} }, logger, noopMetricMeter);
    expect(sdkDefaultCachedWorkflows()).toBe(sdk.maxCachedWorkflows);
  });

  it('maps the limits onto the lanes, the totals split 3 to 1', () => {
    const [main, burst] = tuning({
      BATON_MAX_CONCURRENT_WORKFLOW_TASKS: '80',
      BATON_MAX_CONCURRENT_ACTIVITIES: '200',
      BATON_MAX_CACHED_WORKFLOWS: '1000',
      BATON_BURST_WORKFLOW_TASKS: '4',
    }).lanes;
    expect(main!.overrides).toEqual({ maxConcurrentWorkflowTaskExecutions: 80, maxConcurrentActivityTaskExecutions: 150, maxCachedWorkflows: 750 });
    expect(burst!.overrides).toEqual({ maxConcurrentWorkflowTaskExecutions: 4, maxConcurrentActivityTaskExecutions: 50, maxCachedWorkflows: 250 });
    expect(tuning({ BATON_MAX_CACHED_WORKFLOWS: '0' }).lanes.map((l) => l.overrides.maxCachedWorkflows)).toEqual([0, 0]);
  });

  it('lets the burst lane yield to the main pool for BATON_BURST_YIELD_MS, or never with 0', () => {
    expect(tuning({ BATON_BURST_YIELD_MS: '250' }).lanes.map((l) => l.yieldMs)).toEqual([undefined, 250]);
    expect(tuning({ BATON_BURST_YIELD_MS: '0' }).lanes.map((l) => l.yieldMs)).toEqual([undefined, undefined]);
  });

  it('lets an activities-only pool poll its own queue, with no burst lane', () => {
    expect(tuning({ BATON_WORKER_ROLE: 'activities', BATON_ACTIVITY_TASK_QUEUE: 'baton-payments', BATON_MAX_CONCURRENT_ACTIVITIES: '5' })).toEqual({
      role: 'activities',
      taskQueue: 'baton-payments',
      lanes: [{ taskQueue: 'baton-payments', overrides: { maxConcurrentActivityTaskExecutions: 5 } }],
    });
    expect(tuning({ BATON_WORKER_ROLE: 'activities' }).lanes).toEqual([
      { taskQueue: 'baton', overrides: { maxConcurrentActivityTaskExecutions: 75 } },
      { taskQueue: 'baton-burst', overrides: { maxConcurrentActivityTaskExecutions: 25 }, yieldMs: 1000 },
    ]);
    expect(tuning({ BATON_WORKER_ROLE: 'workflows', BATON_MAX_CACHED_WORKFLOWS: '500' }).lanes).toEqual([
      { taskQueue: 'baton', overrides: { maxCachedWorkflows: 375 } },
      { taskQueue: 'baton-burst', overrides: { maxConcurrentWorkflowTaskExecutions: 2, maxCachedWorkflows: 125 }, yieldMs: 1000 },
    ]);
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
        BATON_BURST_WORKFLOW_TASKS: '1',
        BATON_BURST_YIELD_MS: '-1',
      }),
    );
    expect(issues.map((i) => i.variable).sort()).toEqual([
      'BATON_BURST_WORKFLOW_TASKS',
      'BATON_BURST_YIELD_MS',
      'BATON_MAX_CONCURRENT_ACTIVITIES',
      'BATON_MAX_CONCURRENT_WORKFLOW_TASKS',
      'BATON_WORKER_ROLE',
    ]);
  });
});
