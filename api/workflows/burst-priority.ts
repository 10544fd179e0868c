/**
 * A lower Temporal priority for the part of one fairness key's starts that comes as a burst.
 *
 * Fair dispatch (the fairness key) orders a task queue's backlog between customers, but Temporal applies it
 * to normal task queues only: once a run is cached on a worker, its workflow tasks go to that worker's
 * sticky queue, which serves them in priority order and then first come, first served. A burst from one
 * customer then fills the sticky queue ahead of everybody else's orders. Priority does order the sticky
 * queue, so the burst's excess is started one step lower: every other customer's orders go ahead of it,
 * and so do this customer's own orders within its allowance. Nothing is refused or delayed at the API.
 *
 * A token bucket per key: `burst` starts at once at Temporal's default priority, refilled at `perSecond`.
 * Per API process (replicas each keep their own). docs/operations.md, "Fair between customers".
 */
export interface BurstAllowance {
  /** Starts one key may make at once at the default priority; 0 turns the lowering off. */
  burst: number;
  /** How fast a key's allowance refills, starts per second. */
  perSecond: number;
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

export class BurstPriority {
  readonly #buckets = new Map<string, Bucket>();
  #nextSweepAt = 0;

  constructor(
    private readonly allowance: BurstAllowance,
    private readonly now: () => number = Date.now,
  ) {}

  /** The priority key of one more start under `key`: undefined (the default) within its allowance, else BURST_PRIORITY_KEY. */
  priorityFor(key: string): number | undefined {
    const { burst } = this.allowance;
    if (burst <= 0) return undefined;
    const now = this.now();
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? this.#refilled(bucket, now) : burst;
    if (this.#buckets.size > SWEEP_ABOVE_KEYS && now >= this.#nextSweepAt) this.#sweep(now);
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return undefined;
    }
    this.#buckets.set(key, { tokens, at: now });
    return BURST_PRIORITY_KEY;
  }

  #refilled(bucket: Bucket, now: number): number {
    return Math.min(this.allowance.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.allowance.perSecond);
  }

  #sweep(now: number): void {
    this.#nextSweepAt = now + (this.allowance.burst / this.allowance.perSecond) * 1000;
    for (const [key, bucket] of this.#buckets) if (this.#refilled(bucket, now) >= this.allowance.burst) this.#buckets.delete(key);
  }
}
