// A customer's burst past its allowance (api/workflows/burst-priority.ts) runs on a task queue of its own
// beside the workflow's: its burst lane. Every worker that polls a task queue polls its lane too, with a
// small pool of workflow-task slots of its own (worker/tuning.ts). The SDK runs the workflow tasks it holds
// first come, first served, whatever their priority; a burst in the same pool queues every other customer's
// tasks behind up to a whole pool of its own, and keeps both cores busy (docs/operations.md, "Fair between customers").

/** The burst lane of `taskQueue`. */
export function burstLane(taskQueue: string): string {
  return `${taskQueue}-burst`;
}

/** A task queue and its burst lane: where a workflow type's runs are. */
export function lanesOf(taskQueue: string): readonly [string, string] {
  return [taskQueue, burstLane(taskQueue)];
}
