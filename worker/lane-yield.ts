// The burst lane yields to the main pool inside one worker process. Its own small pool (worker/tuning.ts)
// keeps the burst from queueing other customers' tasks behind it, but what the lane does run still takes
// the cores the other customers' orders need: each of their workflow tasks and downstream calls then runs
// slower (docs/benchmark-journal.md, "Fairness between customers", the burst lane). So the lane hands out a
// slot, and so polls for its next task, only once the main pool has been idle for a moment, or once it has
// waited long enough: a burst still progresses while every other customer keeps the worker busy, at a slot
// per wait. Its activities wait the same way once their task has arrived (a poll granted while the main pool
// was idle may bring one later).
import { Context } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  CustomSlotSupplier,
  Next,
  SlotInfo,
  SlotPermit,
  SlotReserveContext,
  WorkerOptions,
} from '@temporalio/worker';
import type { WorkerLane } from './tuning';

/**
 * How long the main pool must have been idle before the lane takes a slot: longer than the gap between one
 * order's tasks (an activity's result reaching the worker's sticky queue), so a running order keeps it paused.
 */
export const MAIN_POOL_IDLE_MS = 50;

/** What the main pool is running now: its in-flight workflow activations and activities (the SDK worker's own counts). */
export interface MainPoolCounts {
  numInFlightActivations$: Counts;
  numInFlightActivities$: Counts;
}

interface Counts {
  subscribe(next: (count: number) => void): unknown;
}

/** Watches the main pool and tells when it has been idle for `idleMs`. */
export class MainPoolWatch {
  private activations = 0;
  private activities = 0;
  /** When the main pool last went idle; undefined while it is busy. */
  private idleSince: number | undefined = Date.now();
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = MAIN_POOL_IDLE_MS) {}

  /** Follows a main pool's counts until its worker stops (the observables complete with it). */
  follow(main: MainPoolCounts): void {
    main.numInFlightActivations$.subscribe((n) => {
      this.activations = n;
      this.changed();
    });
    main.numInFlightActivities$.subscribe((n) => {
      this.activities = n;
      this.changed();
    });
  }

  /** Whether the main pool has been idle for idleMs. */
  idle(now = Date.now()): boolean {
    return this.idleSince !== undefined && now - this.idleSince >= this.idleMs;
  }

  /** Resolves once the main pool has been idle for idleMs, or after maxWaitMs; rejects with the signal's reason. */
  async settled(maxWaitMs: number, signal: AbortSignal): Promise<void> {
    if (this.idle()) return;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(deadline);
        signal.removeEventListener('abort', aborted);
        this.waiters.delete(done);
        resolve();
      };
      const aborted = () => {
        clearTimeout(deadline);
        this.waiters.delete(done);
        reject(abortReason(signal));
      };
      const deadline = setTimeout(done, maxWaitMs);
      signal.addEventListener('abort', aborted, { once: true });
      this.waiters.add(done);
      this.armTimer();
    });
  }

  private changed(): void {
    const busy = this.activations + this.activities > 0;
    if (busy) {
      this.idleSince = undefined;
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.idleSince === undefined) {
      this.idleSince = Date.now();
      this.armTimer();
    }
  }

  /** Wakes the waiters once the idle stretch is long enough (re-armed whenever the pool goes idle). */
  private armTimer(): void {
    if (this.idleSince === undefined || this.waiters.size === 0 || this.timer !== undefined) return;
    const left = Math.max(0, this.idleSince + this.idleMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.idle()) return this.armTimer();
      for (const wake of [...this.waiters]) wake();
    }, left);
    this.timer.unref();
  }
}

/**
 * A slot supplier for the burst lane: at most `slots` at a time, each handed out once the main pool is idle
 * (or after maxWaitMs). Eager tasks (tryReserveSlot) only get a slot while the main pool is idle.
 *
 * A slot is held from the poll on, so for workflow tasks neither the sticky nor the normal queue's polls may
 * hold them all (the SDK's fixed-size pool keeps one for each): with both held by polls of the empty normal
 * queue, the next task of a cached run would wait on its sticky queue until a poll timed out.
 */
export function yieldingSlots<SI extends SlotInfo>(slots: number, watch: MainPoolWatch, maxWaitMs: number): CustomSlotSupplier<SI> {
  type Kind = 'sticky' | 'normal' | 'other';
  const held: Record<Kind, number> = { sticky: 0, normal: 0, other: 0 };
  const waiting: { kind: Kind; grant: () => void }[] = [];
  const free = (kind: Kind) => held.sticky + held.normal + held.other < slots && (kind === 'other' || held[kind] < Math.max(1, slots - 1));
  const kindOf = (ctx: SlotReserveContext): Kind => (ctx.slotType !== 'workflow' ? 'other' : ctx.isSticky ? 'sticky' : 'normal');
  /** Hands freed slots to the waiters that may take them, in order. */
  const wake = () => {
    for (let i = 0; i < waiting.length;) {
      const w = waiting[i]!;
      if (!free(w.kind)) {
        i++;
        continue;
      }
      held[w.kind]++;
      waiting.splice(i, 1);
      w.grant();
    }
  };
  return {
    type: 'custom',
    async reserveSlot(ctx: SlotReserveContext, signal: AbortSignal): Promise<SlotPermit> {
      const kind = kindOf(ctx);
      if (free(kind)) {
        held[kind]++;
      } else {
        signal.throwIfAborted();
        await new Promise<void>((resolve, reject) => {
          const entry = {
            kind,
            grant: () => {
              signal.removeEventListener('abort', aborted);
              resolve();
            },
          };
          const aborted = () => {
            waiting.splice(waiting.indexOf(entry), 1);
            reject(abortReason(signal));
          };
          signal.addEventListener('abort', aborted, { once: true });
          waiting.push(entry);
        });
      }
      try {
        await watch.settled(maxWaitMs, signal);
      } catch (err) {
        held[kind]--;
        wake();
        throw err;
      }
      return { kind };
    },
    tryReserveSlot(ctx: SlotReserveContext): SlotPermit | null {
      const kind = kindOf(ctx);
      if (!free(kind) || !watch.idle()) return null;
      held[kind]++;
      return { kind };
    },
    markSlotUsed(): void {},
    releaseSlot({ permit }): void {
      held[(permit as { kind: Kind }).kind]--;
      wake();
    },
  };
}

/** The SDK's own limits without a tuner, for the kinds of task a lane's limits leave alone. */
const SDK_DEFAULT_WORKFLOW_SLOTS = 40;
const SDK_DEFAULT_ACTIVITY_SLOTS = 100;

/**
 * A lane's worker options: its limits as they are, or, for a lane that yields, the same limits as slot
 * suppliers that wait for the main pool (the SDK takes limits or a tuner, not both).
 */
export function laneOptions(lane: WorkerLane, watch: MainPoolWatch): Partial<WorkerOptions> {
  const yieldMs = lane.yieldMs;
  if (yieldMs === undefined) return lane.overrides;
  const { maxConcurrentWorkflowTaskExecutions: workflows, maxConcurrentActivityTaskExecutions: activities, ...rest } = lane.overrides;
  const fixed = (numSlots: number) => ({ type: 'fixed-size', numSlots }) as const;
  return {
    ...rest,
    interceptors: { activity: [() => ({ inbound: new YieldingActivities(watch, yieldMs) })] },
    tuner: {
      workflowTaskSlotSupplier: workflows === undefined ? fixed(SDK_DEFAULT_WORKFLOW_SLOTS) : yieldingSlots(workflows, watch, yieldMs),
      activityTaskSlotSupplier: activities === undefined ? fixed(SDK_DEFAULT_ACTIVITY_SLOTS) : yieldingSlots(activities, watch, yieldMs),
      localActivityTaskSlotSupplier: fixed(SDK_DEFAULT_ACTIVITY_SLOTS),
      nexusTaskSlotSupplier: fixed(SDK_DEFAULT_ACTIVITY_SLOTS),
    },
  };
}

/**
 * A lane's activity waits for the main pool too before it calls its service: its slot (and poll) may have been
 * granted while the main pool was idle, and the task arrive once it is not.
 */
class YieldingActivities implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly watch: MainPoolWatch,
    private readonly maxWaitMs: number,
  ) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { info, cancellationSignal } = Context.current();
    // Its timeouts already run: wait at most half of the shortest, so the call itself keeps the rest.
    const limit = Math.min(this.maxWaitMs, info.startToCloseTimeoutMs / 2, (info.heartbeatTimeoutMs ?? Infinity) / 2);
    await this.watch.settled(limit, cancellationSignal);
    return next(input);
  }
}

/** The SDK tells its own abort from a supplier's failure by identity: reject with exactly the signal's reason. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason as Error;
}
