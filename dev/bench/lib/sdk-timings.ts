// Where a workflow task's and an activity's time goes, as the SDK's own worker measures it: read from a
// worker's Prometheus endpoint (the SDK's metrics, BATON_WORKER_METRICS_PORT for Baton's worker,
// BENCH_RAW_METRICS_PORT for the raw SDK's) before and after a stretch of orders. The end-to-end latency says
// how much Baton adds; these say whether the worker or the server's dispatch adds it.

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

/** Sums the `_sum` and `_count` series of the SDK histograms in a Prometheus text exposition. */
export function histogramTotals(exposition: string): HistogramTotals {
  const totals = Object.fromEntries(Object.keys(HISTOGRAMS).map((h) => [h, { sum: 0, count: 0 }])) as HistogramTotals;
  const byName = new Map<string, Histogram>(Object.entries(HISTOGRAMS).map(([h, name]) => [name, h as Histogram]));
  for (const line of exposition.split('\n')) {
    const match = /^(\w+)_(sum|count)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    const histogram = match && byName.get(match[1]!);
    if (!histogram) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) totals[histogram][match[2] as 'sum' | 'count'] += value;
  }
  return totals;
}

export async function scrapeHistogramTotals(metricsUrl: string): Promise<HistogramTotals> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${metricsUrl} answered ${res.status}`);
  return histogramTotals(await res.text());
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
    return count > 0 ? Math.round((sum / count) * 100) / 100 : null;
  };
  return {
    workflowTasks: delta('workflowTaskExecution').count,
    workflowTaskScheduleToStartMs: mean('workflowTaskScheduleToStart'),
    workflowTaskExecutionMs: mean('workflowTaskExecution'),
    activities: delta('activityExecution').count,
    activityExecutionMs: mean('activityExecution'),
  };
}
