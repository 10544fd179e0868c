// Fairness between customers: one customer sends a burst of orders at once, and a single order of
// another customer is timed from POST /orders to `completed` while the burst runs, against the same
// order on the idle system. Run in turn on dev servers that differ in what fairness is: with it,
// `matching.enableFairness` on and the API starting a customer's burst past its allowance on the burst
// lane, one step lower (api/workflows/burst-priority.ts, lib/burst-lane.ts); without it, neither (tasks
// carry the customer as fairness key either way: contracts/order.ts). A third run keeps fairness on and
// gives the burst lane as many workflow-task slots as the main pool (the SDK's 40 instead of
// BATON_BURST_WORKFLOW_TASKS' 2): what the lane's small pool buys, and what it costs the burst. A fourth
// keeps the small lane but never lets it yield to the main pool (BATON_BURST_YIELD_MS=0): what yielding buys.
// Each round also times a second quiet order MID_BURST_MS into the burst, once its starts have stopped
// arriving: the target is the first order's, placed at the worst moment; the second says what that moment costs.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { orderWorkflow } from '../../contracts';
import { apiClient, orderCompleted, orderRequest } from './lib/orders';
import { fmt, fmtAgainst, round, roundAgainst, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startApi, startBatonWorker, startSagaStage, stopAll, type TemporalKind } from './lib/stack';

const STEP_LATENCY_MS = 10;
export const FAIRNESS_TARGET = 1.5;
const meetsTarget = (ratio: number) => ratio <= FAIRNESS_TARGET;

export interface FairnessRun {
  /**
   * The quiet customer's order on the idle system, ms: the median of IDLE_ORDERS before the first round and
   * IDLE_PER_ROUND before each round (once the burst before it has completed), so that the baseline is taken
   * across the same stretch of the run, and the same growing history store, as the orders it is compared with.
   */
  unloadedMs: number | null;
  /** The median of the IDLE_ORDERS before the first round alone, on a fresh store (the method before 2026-12-02). */
  unloadedMsBeforeRounds: number | null;
  /** loadedMsMedian / unloadedMsBeforeRounds. */
  ratioBeforeRounds: number | null;
  /** The same order placed just after the burst, each round, ms. */
  loadedMs: (number | null)[];
  loadedMsMedian: number | null;
  /** loadedMsMedian / unloadedMs: the goal is ≤ 1.5 with fairness. */
  ratio: number | null;
  /**
   * A second quiet order each round, placed MID_BURST_MS after the burst was accepted (or once the first is done,
   * if later), ms: the burst running, its starts no longer arriving. No target: it shows what the moment costs.
   */
  midBurstMs: (number | null)[];
  midBurstMsMedian: number | null;
  /** midBurstMsMedian / unloadedMs. */
  midBurstRatio: number | null;
  /** How long the whole burst took to complete, per round, ms. */
  burstMs: (number | null)[];
  /** Where the quiet order's time went during each burst, from its own history. */
  breakdowns: (Breakdown | null)[];
}

/**
 * One order's time, from POST /orders to its run's close, split by its history's event times (the same
 * machine's clock): the start (API and start call), waits for its workflow and activity tasks to be picked
 * up (the queue: what fairness orders), and the time those tasks and its activities ran.
 */
export interface Breakdown {
  totalMs: number;
  startMs: number;
  workflowTaskWaitMs: number;
  /** The part of that wait spent on the worker's sticky queue (the tasks after the first, while the worker caches the run). */
  stickyWaitMs: number;
  stickyTasks: number;
  workflowTaskRunMs: number;
  activityWaitMs: number;
  activityRunMs: number;
  workflowTasks: number;
  activities: number;
}

async function breakdownOf(client: Client, orderId: string, postedAtMs: number): Promise<Breakdown> {
  const history = await client.workflow.getHandle(orderWorkflow.workflowId(orderId)).fetchHistory();
  const at = new Map<number, number>();
  const b: Breakdown = {
    totalMs: 0,
    startMs: 0,
    workflowTaskWaitMs: 0,
    stickyWaitMs: 0,
    stickyTasks: 0,
    workflowTaskRunMs: 0,
    activityWaitMs: 0,
    activityRunMs: 0,
    workflowTasks: 0,
    activities: 0,
  };
  const since = (eventId: unknown, now: number) => now - (at.get(Number(eventId)) ?? now);
  const sticky = new Set<number>();
  for (const e of history.events ?? []) {
    const t = optionalTsToMs(e.eventTime) ?? 0;
    at.set(Number(e.eventId), t);
    if (e.workflowTaskScheduledEventAttributes?.taskQueue?.kind === proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY)
      sticky.add(Number(e.eventId));
    if (e.workflowExecutionStartedEventAttributes) b.startMs = t - postedAtMs;
    if (e.workflowTaskStartedEventAttributes) {
      b.workflowTasks++;
      const scheduled = Number(e.workflowTaskStartedEventAttributes.scheduledEventId);
      const wait = since(scheduled, t);
      b.workflowTaskWaitMs += wait;
      if (sticky.has(scheduled)) {
        b.stickyTasks++;
        b.stickyWaitMs += wait;
      }
    }
    if (e.workflowTaskCompletedEventAttributes) b.workflowTaskRunMs += since(e.workflowTaskCompletedEventAttributes.startedEventId, t);
    if (e.activityTaskStartedEventAttributes) {
      b.activities++;
      b.activityWaitMs += since(e.activityTaskStartedEventAttributes.scheduledEventId, t);
    }
    if (e.activityTaskCompletedEventAttributes) b.activityRunMs += since(e.activityTaskCompletedEventAttributes.startedEventId, t);
    if (e.workflowExecutionCompletedEventAttributes) b.totalMs = t - postedAtMs;
  }
  return b;
}

const describeBreakdown = (b: Breakdown) =>
  `start ${fmt(b.startMs, 0)} ms, waiting for its ${b.workflowTasks} workflow tasks ${fmt(b.workflowTaskWaitMs, 0)} ms ` +
  `(${b.stickyTasks} of them on the sticky queue: ${fmt(b.stickyWaitMs, 0)} ms; running them ${fmt(b.workflowTaskRunMs, 0)} ms), ` +
  `waiting for its ${b.activities} activity tasks ${fmt(b.activityWaitMs, 0)} ms (running them ${fmt(b.activityRunMs, 0)} ms), of ${fmt(b.totalMs, 0)} ms`;

export interface FairnessJson {
  burst: number;
  rounds: number;
  stepLatencyMs: number;
  withFairness: FairnessRun;
  withoutFairness: FairnessRun;
  /** With fairness, the burst lane as wide as the main pool (WIDE_BURST_LANE workflow-task slots); dev server only. */
  withFairnessWideBurstLane?: FairnessRun;
  /** With fairness, the burst lane never yielding to the main pool (BATON_BURST_YIELD_MS=0); dev server only. */
  withFairnessLaneNotYielding?: FairnessRun;
  target: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/** The customer that sends the bursts: every round's burst is this customer's, so its orders are counted across rounds. */
const BURST_CUSTOMER = 'cus-burst';

/**
 * Waits until `expected` of a customer's orders have closed, counting them in visibility five times a second:
 * true when all of them completed. Until 2026-12-02 the driver waited on each burst order's result, 300 open
 * history long-polls on the server while the quiet order ran: load that no client of Baton's API can make.
 */
async function burstCompleted(client: Client, customerId: string, expected: number): Promise<boolean> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const { count: closed } = await client.workflow.count(`CustomerId = '${customerId}' AND ExecutionStatus != 'Running'`);
    if (closed >= expected) {
      const { count: completed } = await client.workflow.count(`CustomerId = '${customerId}' AND OrderStatus = 'completed'`);
      return completed >= expected;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** When the second quiet order of a round goes out, after the burst's last start was accepted. */
export const MID_BURST_MS = 5000;

/** Idle orders timed before the first round, and before each round once the burst before it has completed. */
export const IDLE_ORDERS = 9;
export const IDLE_PER_ROUND = 3;

/** BATON_BURST_WORKFLOW_TASKS of the third run: the SDK's default for the main pool. */
export const WIDE_BURST_LANE = 40;

async function measure(
  server: TemporalKind,
  fair: boolean,
  burst: number,
  rounds: number,
  tag: string,
  workerEnv: Record<string, string> = {},
): Promise<FairnessRun> {
  const queue = `bench-fairness-${tag}`;
  const { temporal, urls, parts } = await startSagaStage(STEP_LATENCY_MS, server, { 'matching.enableFairness': fair });
  try {
    // Without fairness, neither fair dispatch nor the burst lane for a burst's excess (BATON_BURST_STARTS=0).
    const [api, worker] = await Promise.all([
      startApi(temporal, queue, urls, fair ? {} : { BATON_BURST_STARTS: '0' }),
      startBatonWorker(temporal, queue, urls, workerEnv),
    ]);
    parts.push(api, worker);
    const http = apiClient(api.url);
    parts.push({ stop: () => http.close() });
    let seq = 0;
    let lastQuiet: { orderId: string; postedAtMs: number } | undefined;
    /** POST /orders then wait for the run's result: ms, or null when it did not complete. */
    const timed = async (customerId: string): Promise<number | null> => {
      const order = { ...orderRequest(`fair-${tag}`, seq++), customerId };
      lastQuiet = { orderId: order.orderId, postedAtMs: Date.now() };
      const t0 = performance.now();
      const { status } = await http.post(order);
      const ok = status === 202 && (await orderCompleted(temporal.batonClient, order.orderId));
      return ok ? performance.now() - t0 : null;
    };

    for (let i = 0; i < 5; i++) await timed('cus-warmup');
    const idleMs: number[] = [];
    // A customer of its own for each quiet order: each is within its allowance, as the one timed during a burst is.
    const timeIdle = async (count: number, tagOf: (i: number) => string) => {
      for (let i = 0; i < count; i++) {
        const ms = await timed(`cus-quiet-idle-${tagOf(i)}`);
        if (ms !== null) idleMs.push(ms);
      }
    };
    await timeIdle(IDLE_ORDERS, String);
    const unloadedBeforeRounds = median(idleMs);
    const idle = lastQuiet && (await breakdownOf(temporal.batonClient, lastQuiet.orderId, lastQuiet.postedAtMs));
    if (idle) console.log(`    idle, where a quiet order's time went: ${describeBreakdown(idle)}`);

    const loaded: (number | null)[] = [];
    const midBurst: (number | null)[] = [];
    const burstMs: (number | null)[] = [];
    const breakdowns: (Breakdown | null)[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await timeIdle(IDLE_PER_ROUND, (i) => `${round}-${i}`);
      const t0 = performance.now();
      // The burst goes out as fast as the API takes it (64 requests in flight), the quiet order right after.
      const accepted: boolean[] = [];
      const starts: Promise<void>[] = [];
      let next = 0;
      for (let lane = 0; lane < 64; lane++) {
        starts.push(
          (async () => {
            while (next < burst) {
              next++;
              const order = { ...orderRequest(`burst-${tag}-${round}`, seq++), customerId: BURST_CUSTOMER };
              const { status } = await http.post(order);
              accepted.push(status === 202);
            }
          })(),
        );
      }
      await Promise.all(starts);
      const acceptedAt = performance.now();
      const quietMs = await timed(`cus-quiet-${round}`);
      const quiet = lastQuiet!;
      await new Promise((r) => setTimeout(r, Math.max(0, acceptedAt + MID_BURST_MS - performance.now())));
      const midAfterMs = performance.now() - acceptedAt;
      const midMs = await timed(`cus-quiet-mid-${round}`);
      midBurst.push(midMs);
      const done = accepted.every(Boolean) && (await burstCompleted(temporal.batonClient, BURST_CUSTOMER, burst * (round + 1)));
      loaded.push(quietMs);
      burstMs.push(done ? performance.now() - t0 : null);
      const breakdown = quietMs === null ? null : await breakdownOf(temporal.batonClient, quiet.orderId, quiet.postedAtMs);
      breakdowns.push(breakdown);
      console.log(
        `    round ${round + 1}: quiet order ${fmt(quietMs ?? NaN, 0)} ms during the burst (idle so far: ${fmt(median(idleMs), 0)} ms); burst of ${burst} took ${fmt((performance.now() - t0) / 1000, 1)} s`,
      );
      if (breakdown) console.log(`      where its time went: ${describeBreakdown(breakdown)}`);
      console.log(`      a second quiet order, ${fmt(midAfterMs / 1000, 1)} s after the burst was accepted: ${fmt(midMs ?? NaN, 0)} ms`);
    }
    const finished = loaded.filter((x): x is number => x !== null);
    const loadedMedian = finished.length === loaded.length ? median(finished) : NaN;
    const midFinished = midBurst.filter((x): x is number => x !== null);
    const midMedian = midFinished.length === midBurst.length ? median(midFinished) : NaN;
    const unloaded = median(idleMs);
    console.log(
      `    idle orders: ${idleMs.map((x) => fmt(x, 0)).join(' / ')} ms; before the first round ${fmt(unloadedBeforeRounds, 0)} ms, over the run ${fmt(unloaded, 0)} ms`,
    );
    return {
      unloadedMs: round(unloaded),
      unloadedMsBeforeRounds: round(unloadedBeforeRounds),
      ratioBeforeRounds: round(loadedMedian / unloadedBeforeRounds),
      loadedMs: loaded.map((x) => (x === null ? null : round(x))),
      loadedMsMedian: round(loadedMedian),
      ratio: roundAgainst(loadedMedian / unloaded, meetsTarget, 2),
      midBurstMs: midBurst.map((x) => (x === null ? null : round(x))),
      midBurstMsMedian: round(midMedian),
      midBurstRatio: round(midMedian / unloaded),
      burstMs: burstMs.map((x) => (x === null ? null : round(x))),
      breakdowns,
    };
  } finally {
    await stopAll(parts);
  }
}

export async function fairnessBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<FairnessJson>> {
  const burst = quick ? 60 : 300;
  // Five rounds: the median of three moved by ±0.3 of the ratio between runs of the same code.
  const rounds = quick ? 1 : 5;
  console.log(`  with fairness (matching.enableFairness on), a burst of ${burst} orders from one customer, ${rounds} rounds`);
  const withFairness = await measure(server, true, burst, rounds, 'on');
  console.log('  without fairness (matching.enableFairness off)');
  const withoutFairness = await measure(server, false, burst, rounds, 'off');
  // What the lane's small pool and its yielding buy: measured on the dev server only, where the lane was tuned.
  let wide: FairnessRun | undefined;
  let notYielding: FairnessRun | undefined;
  if (server === 'dev') {
    console.log(`  with fairness, the burst lane taking ${WIDE_BURST_LANE} workflow tasks at a time, as the main pool does`);
    wide = await measure(server, true, burst, rounds, 'wide-lane', { BATON_BURST_WORKFLOW_TASKS: String(WIDE_BURST_LANE) });
    console.log('  with fairness, the burst lane never yielding to the main pool (BATON_BURST_YIELD_MS=0)');
    notYielding = await measure(server, true, burst, rounds, 'lane-not-yielding', { BATON_BURST_YIELD_MS: '0' });
  }
  const row = (label: string, r: FairnessRun, target: boolean) => ({
    benchmark: 'fairness',
    figure: `another customer's order during a burst of ${burst}, ${label}`,
    baton: `${fmt(r.loadedMsMedian ?? NaN, 0)} ms (${fmtAgainst(r.ratio, meetsTarget)}x)`,
    baseline: `${fmt(r.unloadedMs ?? NaN, 0)} ms idle`,
    result: target ? verdict(r.ratio ?? NaN, meetsTarget) : '',
    target: target ? `≤ ${FAIRNESS_TARGET}x idle` : '',
  });
  return {
    json: {
      burst,
      rounds,
      stepLatencyMs: STEP_LATENCY_MS,
      withFairness,
      withoutFairness,
      ...(wide && { withFairnessWideBurstLane: wide }),
      ...(notYielding && { withFairnessLaneNotYielding: notYielding }),
      target: FAIRNESS_TARGET,
    },
    rows: [
      row('with fairness', withFairness, true),
      {
        benchmark: 'fairness',
        figure: `a second order of another customer, ${MID_BURST_MS / 1000} s after the burst was accepted, with fairness`,
        baton: `${fmt(withFairness.midBurstMsMedian ?? NaN, 0)} ms (${fmt(withFairness.midBurstRatio ?? NaN)}x)`,
        baseline: `${fmt(withFairness.unloadedMs ?? NaN, 0)} ms idle`,
        result: '',
        target: '',
      },
      row('without fairness', withoutFairness, false),
      ...(wide ? [row(`with fairness, the burst lane as wide as the main pool`, wide, false)] : []),
      ...(notYielding ? [row(`with fairness, the burst lane never yielding`, notYielding, false)] : []),
    ],
  };
}
