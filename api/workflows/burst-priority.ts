/**
 * Which of one fairness key's starts come as a burst: those past the key's allowance.
 *
 * Fair dispatch (the fairness key) orders a task queue's backlog between customers, but Temporal applies it
 * to normal task queues only: once a run is cached on a worker, its workflow tasks go to that worker's
 * sticky queue, served by priority and then first come, first served; and a worker runs the tasks it holds
 * first come, first served. A burst from one customer then fills the worker ahead of everybody else's
 * orders. So the burst's excess runs apart: on the task queue's burst lane (lib/burst-lane.ts), which
 * workers serve from a small pool of their own, one priority step lower (for queues both lanes share, such
 * as a dedicated activity queue). Every other customer's orders, and this customer's own within its
 * allowance, keep the main pool. Nothing is refused or delayed at the API.
 *
 * A token bucket per key: `burst` starts at once on the main lane, refilled at `perSecond`. A start past the
 * allowance empties the bucket, so the refill counts from the customer's last such start: a customer still
 * bursting earns no main-lane starts back (with a plain bucket, each refilled token would put one of the
 * burst's orders on the main lane beside everybody else's), and one that keeps to its rate never goes past it.
 * Here per API process; shared by every replica when the rate limit's store is (shared-burst-priority.ts).
 * docs/operations.md, "Fair between customers".
 */
export interface BurstAllowance {
  /** Starts one key may make at once on the main lane; 0 turns the burst lane off. */
  burst: number;
  /** How fast a key's allowance refills, starts per second. */
  perSecond: number;
}

/** Tells which starts are past their key's allowance: this process's buckets, or buckets every replica shares. */
export interface BurstAllowances {
  /** Whether one more start under `key` is past its allowance (and so part of a burst); spends one start if not. */
  pastAllowance(key: string): boolean | Promise<boolean>;
}

/** Temporal's priority keys run from 1 (first) to 5; 3 is the default every other start gets. */
export const BURST_PRIORITY_KEY = 4;

/**
 * Keys whose allowance is full again carry no state; past this many keys, those are dropped. At most one sweep
 * per refill time: by then every bucket a sweep kept is full, so a start never walks the map twice in that time.
 */
const SWEEP_ABOVE_KEYS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class BurstPriority implements BurstAllowances {
  readonly #buckets = new Map<string, Bucket>();
  #nextSweepAt = 0;

  constructor(
    private readonly allowance: BurstAllowance,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether one more start under `key` is past its allowance (and so part of a burst); never when the burst is 0. */
  pastAllowance(key: string): boolean {
    const { burst } = this.allowance;
    if (burst <= 0) return false;
    const now = this.now();
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? this.#refilled(bucket, now) : burst;
    if (this.#buckets.size > SWEEP_ABOVE_KEYS && now >= this.#nextSweepAt) this.#sweep(now);
    const past = tokens < 1;
    this.#buckets.set(key, { tokens: past ? 0 : tokens - 1, at: now });
    return past;
  }

  #refilled(bucket: Bucket, now: number): number {
    return Math.min(this.allowance.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.allowance.perSecond);
  }

  #sweep(now: number): void {
    this.#nextSweepAt = now + (this.allowance.burst / this.allowance.perSecond) * 1000;
    for (const [key, bucket] of this.#buckets) if (this.#refilled(bucket, now) >= this.allowance.burst) this.#buckets.delete(key);
  }
}
