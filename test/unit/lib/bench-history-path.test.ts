// The saga latency benchmark splits each timed order along its history: outside the history, the workflow tasks'
// dispatch and run, and the waits between them (dev/bench/lib/history-path.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { pathMedians, runPath } from '../../../dev/bench/lib/history-path';
import { historiesDir, historyFromJSON } from '../../support/histories';

const { EventType } = proto.temporal.api.enums.v1;
const T0 = 1_764_900_000; // seconds

/** A history of events at the given milliseconds after T0 (sub-millisecond parts kept). */
const history = (events: [keyof typeof EventType, number][]) =>
  proto.temporal.api.history.v1.History.fromObject({
    events: events.map(([type, ms], i) => ({
      eventId: i + 1,
      eventType: EventType[type],
      eventTime: { seconds: T0 + Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) },
    })),
  });

// An order of one activity: dispatched in 1.5 and 2.25 ms, run in 3 and 2.5 ms, the activity 10 ms.
const oneActivity = history([
  ['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 0],
  ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 0.1],
  ['EVENT_TYPE_WORKFLOW_TASK_STARTED', 1.6],
  ['EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 4.6],
  ['EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', 4.6],
  ['EVENT_TYPE_ACTIVITY_TASK_STARTED', 4.7],
  ['EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 14.6],
  ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 14.65],
  ['EVENT_TYPE_WORKFLOW_TASK_STARTED', 16.9],
  ['EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 19.4],
  ['EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 19.5],
]);

describe('runPath', () => {
  it("splits the history's span into dispatch, run and waiting, and puts the rest of the driver's time outside it", () => {
    const path = runPath(oneActivity, 25);
    expect(path.dispatchMs).toBeCloseTo(1.5 + 2.25, 6);
    expect(path.taskRunMs).toBeCloseTo(3 + 2.5, 6);
    expect(path.waitingMs).toBeCloseTo(19.5 - 3.75 - 5.5, 6);
    expect(path.outsideHistoryMs).toBeCloseTo(25 - 19.5, 6);
    expect(path).toMatchObject({ workflowTasks: 2, events: 11 });
  });

  it('counts a failed workflow task in the time it took, not among the tasks that answered', () => {
    const retried = history([
      ['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 0],
      ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 0],
      ['EVENT_TYPE_WORKFLOW_TASK_STARTED', 1],
      ['EVENT_TYPE_WORKFLOW_TASK_FAILED', 3],
      ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 13],
      ['EVENT_TYPE_WORKFLOW_TASK_STARTED', 14],
      ['EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 16],
      ['EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 16],
    ]);
    expect(runPath(retried, 20)).toMatchObject({ dispatchMs: 2, taskRunMs: 4, waitingMs: 10, outsideHistoryMs: 4, workflowTasks: 1 });
  });

  it('reads a recorded Baton order as its own event links do (v7 card order: five tasks, the record read beside the reservation)', () => {
    interface RecordedEvent {
      eventId: string;
      eventTime: string;
      workflowTaskCompletedEventAttributes?: { scheduledEventId: string; startedEventId: string };
    }
    const json = JSON.parse(readFileSync(join(historiesDir, 'v7', 'card-completed.json'), 'utf8')) as { events: RecordedEvent[] };
    // The file's own times, to the nanosecond: "2026-12-02T06:50:21.165945571Z".
    const at = (iso: string) => {
      const [whole, fraction = '0'] = iso.replace('Z', '').split('.');
      return Date.parse(`${whole}Z`) + Number(`0.${fraction}`) * 1000;
    };
    const time = (id: string) => at(json.events.find((e) => e.eventId === id)!.eventTime);
    // Each completed task names the events it was scheduled and started by: the split must agree with them.
    const tasks = json.events.flatMap((e) =>
      e.workflowTaskCompletedEventAttributes ? [{ ...e.workflowTaskCompletedEventAttributes, completedAt: at(e.eventTime) }] : [],
    );
    const span = at(json.events.at(-1)!.eventTime) - at(json.events[0]!.eventTime);
    const path = runPath(historyFromJSON(json), span + 7);
    expect(path).toMatchObject({ workflowTasks: 5, events: 32 });
    expect(path.dispatchMs).toBeCloseTo(
      tasks.reduce((sum, t) => sum + time(t.startedEventId) - time(t.scheduledEventId), 0),
      6,
    );
    expect(path.taskRunMs).toBeCloseTo(
      tasks.reduce((sum, t) => sum + t.completedAt - time(t.startedEventId), 0),
      6,
    );
    expect(path.outsideHistoryMs).toBeCloseTo(7, 6);
    expect(path.waitingMs).toBeGreaterThan(0);
  });

  it("refuses a driver's figure shorter than the history (not the run it timed) and a run that has not completed", () => {
    expect(() => runPath(oneActivity, 19)).toThrow(RangeError);
    expect(() => runPath({ events: oneActivity.events.slice(0, -1) }, 25)).toThrow(/completing/);
    expect(() => runPath({ events: oneActivity.events.slice(1) }, 25)).toThrow(/starting/);
  });
});

describe('pathMedians', () => {
  it("takes each figure's median over the runs, and nothing for no runs", () => {
    const runs = [runPath(oneActivity, 21), runPath(oneActivity, 25), runPath(oneActivity, 40)];
    expect(pathMedians(runs)).toMatchObject({ outsideHistoryMs: 5.5, workflowTasks: 2, runs: 3 });
    expect(pathMedians(runs.slice(0, 2))).toMatchObject({ outsideHistoryMs: 3.5, runs: 2 });
    expect(pathMedians([])).toBeNull();
  });
});
