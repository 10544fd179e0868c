// Where one run's end-to-end time went, from its history's event times: the server's dispatch of each workflow
// task, the task's run (the worker's handling and the server's recording of its completion), and the waits
// between tasks (activities on the critical path). What lies outside the history (the start's way in, the
// result's way out) is the driver's own end to end minus the history's span, so no figure compares the driver's
// clock with the server's and none can come out negative from a clock's offset.
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
type Timestamp = proto.google.protobuf.ITimestamp;
const { EventType } = proto.temporal.api.enums.v1;

/** One run's time split along its critical path (milliseconds), with what its history holds. */
export interface RunPath {
  /** The driver's send to its result, less the history's span: the start call's way in and the result's way out. */
  outsideHistoryMs: number;
  /** Workflow tasks, scheduled to started: the server's dispatch to the worker. */
  dispatchMs: number;
  /** Workflow tasks, started to completed: the worker's run and the server's recording of its answer. */
  taskRunMs: number;
  /** The rest of the span: no workflow task pending, so waiting on activities (and timers, signals). */
  waitingMs: number;
  workflowTasks: number;
  events: number;
}

/** Milliseconds with the sub-millisecond part kept: the SDK's own tsToMs drops it, and a task's dispatch is about 2 ms. */
const ms = (t: Timestamp | null | undefined): number => {
  if (!t) throw new TypeError('history event without a time');
  const seconds = typeof t.seconds === 'number' ? t.seconds : Number(t.seconds?.toString() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

/**
 * Splits a closed run's history. `endToEndMs` is the driver's own figure for the run (monotonic clock); it must
 * cover the history's span, which it does unless the run is not the one the driver timed.
 */
export function runPath(history: History, endToEndMs: number): RunPath {
  const events = history.events ?? [];
  const first = events[0];
  const last = events.at(-1);
  if (first?.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) throw new TypeError('history does not begin with the run starting');
  if (last?.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) throw new TypeError('history does not end with the run completing');
  const span = ms(last.eventTime) - ms(first.eventTime);
  let dispatchMs = 0;
  let taskRunMs = 0;
  let workflowTasks = 0;
  let scheduled: number | undefined;
  let started: number | undefined;
  for (const event of events) {
    const at = ms(event.eventTime);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        scheduled = at;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        if (scheduled !== undefined) dispatchMs += at - scheduled;
        started = at;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        if (started !== undefined) taskRunMs += at - started;
        if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) workflowTasks++;
        scheduled = started = undefined;
        break;
    }
  }
  if (endToEndMs < span) throw new RangeError(`the driver's ${endToEndMs.toFixed(2)} ms is shorter than the history's span of ${span.toFixed(2)} ms`);
  return { outsideHistoryMs: endToEndMs - span, dispatchMs, taskRunMs, waitingMs: span - dispatchMs - taskRunMs, workflowTasks, events: events.length };
}

/** Each figure's median over runs (the medians need not add up to the median end to end). */
export type PathMedians = { [K in keyof RunPath]: number } & { runs: number };

export function pathMedians(paths: readonly RunPath[]): PathMedians | null {
  if (paths.length === 0) return null;
  const median = (key: keyof RunPath) => {
    const sorted = paths.map((p) => p[key]).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const keys = Object.keys(paths[0]!) as (keyof RunPath)[];
  return { ...(Object.fromEntries(keys.map((k) => [k, Math.round(median(k) * 100) / 100])) as { [K in keyof RunPath]: number }), runs: paths.length };
}
