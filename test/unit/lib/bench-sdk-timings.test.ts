// The saga latency benchmark reads where a workflow task's and an activity's time goes from the SDK's own
// metrics: the histograms' sums and counts over every label set, and their means over a stretch of orders.
import { describe, expect, it } from 'vitest';
import { histogramTotals, timingsOver } from '../../../dev/bench/lib/sdk-timings';
import { parsePrometheus } from '../../../dev/prometheus-text';

// Lines as a Baton worker's Prometheus endpoint served them (SDK 1.24, 2026-12-04), trimmed.
const EXPOSITION = `# HELP temporal_activity_execution_latency Histogram of activity execution latencies
# TYPE temporal_activity_execution_latency histogram
temporal_activity_execution_latency_bucket{activity_type="authorizePayment",namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order",le="20"} 6
temporal_activity_execution_latency_sum{activity_type="authorizePayment",namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 120
temporal_activity_execution_latency_count{activity_type="authorizePayment",namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 6
temporal_activity_execution_latency_sum{activity_type="getPayment",namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 93
temporal_activity_execution_latency_count{activity_type="getPayment",namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 6
temporal_activity_schedule_to_start_latency_sum{namespace="default",service_name="temporal-core-sdk",task_queue="q"} 0
temporal_activity_schedule_to_start_latency_count{namespace="default",service_name="temporal-core-sdk",task_queue="q"} 24
# HELP temporal_workflow_task_execution_latency Histogram of workflow task execution (not replay) latencies
# TYPE temporal_workflow_task_execution_latency histogram
temporal_workflow_task_execution_latency_bucket{namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order",le="10"} 19
temporal_workflow_task_execution_latency_sum{namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 279
temporal_workflow_task_execution_latency_count{namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 26
temporal_workflow_task_execution_latency_sum{namespace="default",service_name="temporal-core-sdk",task_queue="q-burst",workflow_type="order"} 10
temporal_workflow_task_execution_latency_count{namespace="default",service_name="temporal-core-sdk",task_queue="q-burst",workflow_type="order"} 2
temporal_workflow_task_replay_latency_sum{namespace="default",service_name="temporal-core-sdk",task_queue="q",workflow_type="order"} 0
temporal_workflow_task_schedule_to_start_latency_sum{namespace="default",service_name="temporal-core-sdk",task_queue="q"} 410
temporal_workflow_task_schedule_to_start_latency_count{namespace="default",service_name="temporal-core-sdk",task_queue="q"} 24
`;

describe('histogramTotals', () => {
  it("adds up each histogram's sum and count over its label sets, and nothing else", () => {
    expect(histogramTotals(parsePrometheus(EXPOSITION))).toEqual({
      workflowTaskScheduleToStart: { sum: 410, count: 24 },
      // Both lanes' task queues; the replay histogram and the buckets are left out.
      workflowTaskExecution: { sum: 289, count: 28 },
      // Not the activity schedule-to-start histogram, whose name shares the prefix.
      activityExecution: { sum: 213, count: 12 },
    });
  });

  it('reads an endpoint with none of them as zeros', () => {
    expect(histogramTotals(parsePrometheus('# HELP other\nother_sum 5\nother_count 1\n')).workflowTaskExecution).toEqual({ sum: 0, count: 0 });
  });
});

describe('timingsOver', () => {
  const at = (wft: [number, number], s2s: [number, number], act: [number, number]) => ({
    workflowTaskExecution: { sum: wft[0], count: wft[1] },
    workflowTaskScheduleToStart: { sum: s2s[0], count: s2s[1] },
    activityExecution: { sum: act[0], count: act[1] },
  });

  it('means what each stretch added, over all the stretches, leaving out what came between them', () => {
    const timings = timingsOver([
      { before: at([100, 20], [50, 20], [300, 20]), after: at([140, 28], [70, 28], [390, 26]) },
      // Between the two stretches another series ran on the same worker: 1000 ms over 10 tasks, not counted.
      { before: at([1140, 38], [80, 38], [390, 26]), after: at([1164, 42], [92, 42], [450, 30]) },
    ]);
    expect(timings).toEqual({
      workflowTasks: 12,
      workflowTaskExecutionMs: 5.33,
      workflowTaskScheduleToStartMs: 2.67,
      activities: 10,
      activityExecutionMs: 15,
    });
  });

  it('has no mean where nothing ran', () => {
    const same = at([10, 2], [4, 2], [30, 2]);
    expect(timingsOver([{ before: same, after: same }])).toMatchObject({ workflowTasks: 0, workflowTaskExecutionMs: null, activityExecutionMs: null });
  });
});
