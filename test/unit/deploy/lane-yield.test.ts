import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SlotInfo, SlotReserveContext } from '@temporalio/worker';
import { noopMetricMeter } from '@temporalio/common';
import { compileWorkerOptions } from '@temporalio/worker/lib/worker-options';
import { MockActivityEnvironment } from '@temporalio/testing';
import { laneOptions, MainPoolWatch, yieldingSlots } from '../../../worker/lane-yield';

/** A main pool's counts as the SDK worker publishes them: the current value at once, then every change. */
class Count {
  private value = 0;
  private readonly listeners: ((n: number) => void)[] = [];
  subscribe(next: (n: number) => void): void {
    this.listeners.push(next);
    next(this.value);
  }
  set(n: number): void {
    this.value = n;
    for (const l of this.listeners) l(n);
  }
}

const IDLE_MS = 50;
const MAX_WAIT_MS = 1000;

function mainPool() {
  const activations = new Count();
  const activities = new Count();
  const watch = new MainPoolWatch(IDLE_MS);
  watch.follow({ numInFlightActivations$: activations, numInFlightActivities$: activities });
  return { watch, activations, activities };
}

const ctx = (slotType: SlotInfo['type'], isSticky = false): SlotReserveContext => ({
  slotType,
  isSticky,
  taskQueue: 'baton-burst',
  workerIdentity: 'test',
  workerBuildId: '',
});

/** Settles what is settled now, and tells whether `p` has resolved. */
async function resolved(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the burst lane yields to the main pool', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands out a slot only once the main pool has been idle for the idle stretch', async () => {
    const { watch, activations, activities } = mainPool();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    const slots = yieldingSlots(4, watch, MAX_WAIT_MS);
    expect(await resolved(slots.reserveSlot(ctx('activity'), new AbortController().signal))).toBe(true);

    activations.set(1);
    const waiting = slots.reserveSlot(ctx('activity'), new AbortController().signal);
    expect(await resolved(waiting)).toBe(false);
    activations.set(0);
    activities.set(2); // still busy: an activity started as the activation ended
    await vi.advanceTimersByTimeAsync(IDLE_MS * 2);
    expect(await resolved(waiting)).toBe(false);
    activities.set(0);
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    expect(await resolved(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await resolved(waiting)).toBe(true);
  });

  it('hands out the slot after the longest wait even while the main pool stays busy, so a burst still progresses', async () => {
    const { watch, activities } = mainPool();
    activities.set(3);
    const waiting = yieldingSlots(2, watch, MAX_WAIT_MS).reserveSlot(ctx('activity'), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(await resolved(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await resolved(waiting)).toBe(true);
  });

  it('gives eager tasks a slot only while the main pool is idle', async () => {
    const { watch, activations } = mainPool();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    const slots = yieldingSlots(2, watch, MAX_WAIT_MS);
    expect(slots.tryReserveSlot(ctx('activity'))).not.toBeNull();
    activations.set(1);
    expect(slots.tryReserveSlot(ctx('activity'))).toBeNull();
  });

  it('never holds more than its slots, and a released slot goes to the next waiter', async () => {
    const { watch } = mainPool();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    const slots = yieldingSlots(2, watch, MAX_WAIT_MS);
    const signal = new AbortController().signal;
    const first = await slots.reserveSlot(ctx('activity'), signal);
    await slots.reserveSlot(ctx('activity'), signal);
    const third = slots.reserveSlot(ctx('activity'), signal);
    expect(await resolved(third)).toBe(false);
    expect(slots.tryReserveSlot(ctx('activity'))).toBeNull();
    slots.releaseSlot({ permit: first });
    expect(await resolved(third)).toBe(true);
    expect(slots.tryReserveSlot(ctx('activity'))).toBeNull();
  });

  it("keeps a workflow slot for each of the sticky and the normal queue's polls, as the SDK's fixed pool does", async () => {
    const { watch } = mainPool();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    const slots = yieldingSlots(2, watch, MAX_WAIT_MS);
    const signal = new AbortController().signal;
    await slots.reserveSlot(ctx('workflow', false), signal);
    const secondNormal = slots.reserveSlot(ctx('workflow', false), signal);
    expect(await resolved(secondNormal)).toBe(false);
    expect(await resolved(slots.reserveSlot(ctx('workflow', true), signal))).toBe(true);
  });

  it('gives up a reservation the SDK aborts with its reason, and frees what it held', async () => {
    const { watch, activations } = mainPool();
    activations.set(1);
    const slots = yieldingSlots(1, watch, MAX_WAIT_MS);
    const abort = new AbortController();
    const holding = slots.reserveSlot(ctx('activity'), abort.signal); // has the slot, waits for the main pool
    const queued = slots.reserveSlot(ctx('activity'), new AbortController().signal); // waits for the slot
    const reason = new Error('poller stopped');
    reason.name = 'AbortError';
    abort.abort(reason);
    await expect(holding).rejects.toBe(reason);
    activations.set(0);
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    expect(await resolved(queued)).toBe(true);
  });
});

describe("the burst lane's activities wait for the main pool before they call their service", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs a call through a yielding lane's interceptors; `called` tells whether it has reached the service. */
  function laneActivity(watch: MainPoolWatch, info?: { heartbeatTimeoutMs?: number; startToCloseTimeoutMs?: number }) {
    const options = laneOptions({ taskQueue: 'baton-burst', overrides: { maxConcurrentActivityTaskExecutions: 25 }, yieldMs: MAX_WAIT_MS }, watch);
    // The order's calls run with 30 s to complete (contracts/order-basics.ts).
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 30_000, ...info }, { interceptors: options.interceptors?.activity ?? [] });
    let called = false;
    const run = env.run(() => {
      called = true;
      return Promise.resolve('charged');
    });
    return { env, run, called: () => called };
  }

  it('holds a task that arrives while the main pool is busy until it has been idle for the idle stretch', async () => {
    const { watch, activities } = mainPool();
    activities.set(1);
    const call = laneActivity(watch);
    await vi.advanceTimersByTimeAsync(500);
    expect(call.called()).toBe(false);
    activities.set(0);
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    expect(call.called()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.called()).toBe(true);
    await expect(call.run).resolves.toBe('charged');
  });

  it('runs it after the longest wait while the main pool never pauses, and at once when it is idle', async () => {
    const busy = mainPool();
    busy.activations.set(1);
    const held = laneActivity(busy.watch);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(held.called()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(held.run).resolves.toBe('charged');

    const idle = mainPool();
    await vi.advanceTimersByTimeAsync(IDLE_MS);
    const now = laneActivity(idle.watch);
    await vi.advanceTimersByTimeAsync(0);
    expect(now.called()).toBe(true);
  });

  it("waits no longer than half of the activity's heartbeat or start-to-close timeout, which already run", async () => {
    for (const info of [{ heartbeatTimeoutMs: 400 }, { startToCloseTimeoutMs: 600 }]) {
      const { watch, activations } = mainPool();
      activations.set(1);
      const call = laneActivity(watch, info);
      const half = (info.heartbeatTimeoutMs ?? info.startToCloseTimeoutMs ?? 0) / 2;
      await vi.advanceTimersByTimeAsync(half - 1);
      expect(call.called()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(call.run).resolves.toBe('charged');
    }
  });

  it('gives up waiting when the activity is cancelled', async () => {
    const { watch, activations } = mainPool();
    activations.set(1);
    const call = laneActivity(watch);
    const outcome = call.run.then(
      () => 'ran',
      () => 'cancelled',
    );
    call.env.cancel();
    await vi.advanceTimersByTimeAsync(0);
    expect(await outcome).toBe('cancelled');
    expect(call.called()).toBe(false);
  });
});

describe("a lane's worker options", () => {
  const logger = { warn() {}, info() {}, debug() {}, error() {}, trace() {}, log() {} };
  const burst = { maxConcurrentWorkflowTaskExecutions: 2, maxConcurrentActivityTaskExecutions: 25, maxCachedWorkflows: 100 };

  it("turns a yielding lane's limits into slot suppliers the SDK accepts, keeping its cache", () => {
    const options = laneOptions({ taskQueue: 'baton-burst', overrides: burst, yieldMs: 1000 }, new MainPoolWatch());
    expect(options).not.toHaveProperty('maxConcurrentWorkflowTaskExecutions');
    expect(options).not.toHaveProperty('maxConcurrentActivityTaskExecutions');
    const sdk = compileWorkerOptions({ taskQueue: 'baton-burst', activities: {}, ...options }, logger, noopMetricMeter);
    expect(sdk.maxCachedWorkflows).toBe(100);
    expect(sdk.tuner).toMatchObject({ workflowTaskSlotSupplier: { type: 'custom' }, activityTaskSlotSupplier: { type: 'custom' } });
  });

  it('leaves the limits of a lane that does not yield (the main pool, or BATON_BURST_YIELD_MS=0) as they are', () => {
    expect(laneOptions({ taskQueue: 'baton-burst', overrides: burst }, new MainPoolWatch())).toEqual(burst);
  });
});
