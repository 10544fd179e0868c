// Where a workflow task's and an activity's time goes, as the SDK's own worker measures it: read from a
// worker's Prometheus endpoint (the SDK's metrics, BATON_WORKER_METRICS_PORT for Baton's worker,
// BENCH_RAW_METRICS_PORT for the raw SDK's) before and after a stretch of orders. The end-to-end latency says
// how much Baton adds; these say whether the worker or the server's dispatch adds it.
import { scrape, sumOf, type Sample } from '../../prometheus-text';
import { round } from './report';

/** The SDK histograms read, each a duration in milliseconds (the SDK's Prometheus default). */
const HISTOGRAMS = {
  /** From the task's scheduling on the server to its delivery to the worker's poll: the server's dispatch. */
  workflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency',
  /** From the activation reaching the SDK's worker to its completion: the workflow code and the SDK around it. */
  workflowTaskExecution: 'temporal_workflow_task_execution_latency',
  /** An activity attempt in the worker: the call to the service and what wraps it. */
  activityExecution: 'temporal_activity_execution_latency',
} as const;
type Histogram = keyof typeof HISTOGRAMS;

/** Each histogram's sum and count over every label set (a worker's task queues and workflow types). */
export type HistogramTotals = Record<Histogram, { sum: number; count: number }>;

/** A worker's histograms read before and after a stretch of orders. */
export interface Stretch {
  before: HistogramTotals;
  after: HistogramTotals;
}

/** One side's means over a stretch of orders; null where nothing was counted. */
export interface WorkerTimings {
  workflowTasks: number;
  workflowTaskScheduleToStartMs: number | null;
  workflowTaskExecutionMs: number | null;
  activities: number;
  activityExecutionMs: number | null;
}

/** Each SDK histogram's `_sum` and `_count`, over every label set, from a worker's Prometheus samples. */
export function histogramTotals(samples: Sample[]): HistogramTotals {
  const totals = (name: string) => ({ sum: sumOf(samples, `${name}_sum`), count: sumOf(samples, `${name}_count`) });
  return {
    workflowTaskScheduleToStart: totals(HISTOGRAMS.workflowTaskScheduleToStart),
    workflowTaskExecution: totals(HISTOGRAMS.workflowTaskExecution),
    activityExecution: totals(HISTOGRAMS.activityExecution),
  };
}

export async function scrapeHistogramTotals(metricsUrl: string): Promise<HistogramTotals> {
  return histogramTotals(await scrape(metricsUrl));
}

/** What was added between two readings, summed over `stretches`, as means per task. */
export function timingsOver(stretches: readonly Stretch[]): WorkerTimings {
  const delta = (h: Histogram) =>
    stretches.reduce((acc, { before, after }) => ({ sum: acc.sum + after[h].sum - before[h].sum, count: acc.count + after[h].count - before[h].count }), {
      sum: 0,
      count: 0,
    });
  const mean = (h: Histogram) => {
    const { sum, count } = delta(h);
    return count > 0 ? round(sum / count) : null;
  };
  return {
    workflowTasks: delta('workflowTaskExecution').count,
    workflowTaskScheduleToStartMs: mean('workflowTaskScheduleToStart'),
    workflowTaskExecutionMs: mean('workflowTaskExecution'),
    activities: delta('activityExecution').count,
    activityExecutionMs: mean('activityExecution'),
  };
}
