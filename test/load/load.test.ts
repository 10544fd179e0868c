// Load within bounds, on real processes: the sample services, a worker and the API as child processes
// against the real Temporal dev server, driven over loopback by an open-loop client (undici).
//
// 1. Rising load on POST /orders and GET /profiles/{userId}: no 5xx but the deliberate 503 with
//    Retry-After, and every order answered 202 exists in Temporal and completes.
// 2. Temporal hung, then gone (a second API pointed at a socket that never answers, then at nothing):
//    the Temporal routes answer 503 with Retry-After, shed at once beyond the in-flight bound, while
//    the profiles, which need no Temporal, keep answering 200.
// 3. Two minutes of steady mixed load: every order completes, and the RSS of the API and the worker, read
//    with the work done, grows less than 10% after warm-up.
//
// Figures go to .data/load-results.json, one summary line per step to the console. `npm run test:load`.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow } from '../../contracts';
import { OrderStatusSearchAttribute } from '../../contracts/search-attributes';
import type { ServiceName } from '../../config/env';
import { freePort } from '../../dev/ports';
import { TEST_TOKEN, uniqueTaskQueue } from '../support/api';
import { orderRequest, uniqueOrderId } from '../support/orders';
import { type ChildHandle, repoRoot, WORKER_READY } from '../support/processes';
import {
  BatonLoadClient,
  formatSummary,
  openLoop,
  percentile,
  summarize,
  undeliberateFailures,
  type Outcome,
  type Send,
  type Summary,
} from './support/open-loop';
import { collectGarbage, INSPECT_OPTIONS, INSPECTOR_URL } from './support/inspector';
import { cpuMs, findPid, growthPct, mib, rssBytes, sampleRss } from './support/rss';
import { startApi, startServices, startWorker } from './support/stack';

// Payloads encrypted as in production; the test reads runs through describe(), which needs no key.
const PAYLOAD_KEYS = { BATON_PAYLOAD_KEYS: `load:${randomBytes(32).toString('base64')}` };
const temporal = { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), taskQueue: uniqueTaskQueue('load') };

/**
 * Arrival rates of the rising load (requests per second), each held for `stepMs`; every `orderEvery`-th
 * request places an order, the rest read profiles. Orders are the costly part (a workflow start, then
 * about ten Temporal round trips and three service calls each in the worker), and the test waits for
 * every accepted one to complete: one in four keeps that wait short.
 */
const RAMP = { steps: [25, 50, 100, 200], stepMs: 3000, orderEvery: 4 };
/**
 * The soak: a moderate steady rate, one order for every seven profile reads (5 orders/s, which one worker
 * sustains on an idle machine). Warm-up, then the rest of the run; memory is read after each part's work is done.
 */
const SOAK = {
  rate: 40,
  orderEvery: 8,
  durationMs: 120_000,
  warmupMs: 30_000,
  /** Forced GCs (then an RSS reading) at each drained checkpoint; their median is its figure. */
  readings: 5,
  /** How long the orders of a part may take to finish once its load stops. */
  drainMs: 90_000,
  sampleEveryMs: 2000,
  maxGrowthPct: 10,
  maxTimeoutShare: 0.002,
};
/** The API pointed at a dead Temporal: a small bound so that shedding is certain within a short run. */
const DEAD = { rate: 50, phaseMs: 3000, maxInflight: 8, deadlineMs: 2000 };

const RESULTS_PATH = join(repoRoot, '.data', 'load-results.json');
const results: Record<string, unknown> = { ranAt: new Date().toISOString(), steps: [] };
async function saveResults() {
  await mkdir(dirname(RESULTS_PATH), { recursive: true });
  await writeFile(RESULTS_PATH, JSON.stringify(results, null, 2) + '\n');
}

let services: { handle: ChildHandle; urls: Record<ServiceName, string> } | undefined;
let worker: ChildHandle | undefined;
let api: { handle: ChildHandle; url: string } | undefined;
let deadApi: { handle: ChildHandle; url: string } | undefined;
/** DevTools URLs of the API and the worker (started with --inspect), to force their GC in the soak. */
let apiInspector: string;
let workerInspector: string;
let load: BatonLoadClient;
let deadLoad: BatonLoadClient;
let connection: Connection | undefined;
let client: Client;

/** A TCP listener that accepts and never answers: a Temporal frontend that hangs. */
let blackhole: Server | undefined;
const blackholeSockets = new Set<Socket>();

beforeAll(async () => {
  blackhole = createServer((socket) => {
    blackholeSockets.add(socket);
    socket.on('close', () => blackholeSockets.delete(socket));
  });
  const blackholePort = await freePort();
  await new Promise<void>((resolve) => blackhole!.listen(blackholePort, '127.0.0.1', resolve));

  services = await startServices();
  // The soak forces GCs in the API and the worker through their inspector.
  const inspect = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${INSPECT_OPTIONS}`.trim() };
  // A short grace: teardown need not wait for the last orders of the soak.
  worker = startWorker(temporal, services.urls, { ...PAYLOAD_KEYS, ...inspect, BATON_SHUTDOWN_GRACE_MS: '2000' });
  [api, deadApi] = await Promise.all([
    startApi(temporal, services.urls, { ...PAYLOAD_KEYS, ...inspect }),
    startApi({ ...temporal, address: `127.0.0.1:${blackholePort}` }, services.urls, {
      ...PAYLOAD_KEYS,
      BATON_MAX_INFLIGHT_TEMPORAL: String(DEAD.maxInflight),
      BATON_TEMPORAL_DEADLINE_MS: String(DEAD.deadlineMs),
    }),
  ]);
  await worker.waitFor(WORKER_READY, 120_000);
  [apiInspector, workerInspector] = await Promise.all([api.handle.waitFor(INSPECTOR_URL), worker.waitFor(INSPECTOR_URL)]);
  load = new BatonLoadClient(api.url, TEST_TOKEN);
  deadLoad = new BatonLoadClient(deadApi.url, TEST_TOKEN);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: temporal.namespace });
}, 180_000);

afterAll(async () => {
  await Promise.all([load?.close(), deadLoad?.close()]);
  await Promise.all([api?.handle.stop(), deadApi?.handle.stop()]);
  await worker?.stop();
  await services?.handle.stop();
  await connection?.close();
  for (const socket of blackholeSockets) socket.destroy();
  blackhole?.close();
});

/** Request i: an order (new orderId) every `orderEvery`-th request, else a seeded user's profile. */
function mixed(target: BatonLoadClient, orderEvery: number, prefix: string): Send {
  return (i) =>
    i % orderEvery === 0
      ? target.placeOrder(orderRequest({ orderId: uniqueOrderId(`${prefix}-${i}`), customerId: `cus-${i % 500}` }))
      : target.getProfile(`u-${1 + (i % 1000)}`);
}

/**
 * The status each order's run ends with, read from Temporal itself: the run must exist (describe
 * throws WorkflowNotFoundError otherwise) and close; its status is the OrderStatus search attribute the
 * workflow keeps, readable without the payload keys. Polls until every run is closed.
 */
async function finalStatuses(orderIds: readonly string[], timeoutMs: number): Promise<string[]> {
  const finals = new Map<string, string>();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const open = orderIds.filter((id) => !finals.has(id));
    await pool(open, 16, async (orderId) => {
      const run = await client.workflow.getHandle(orderWorkflow.workflowId(orderId)).describe();
      if (run.status.name !== 'RUNNING') finals.set(orderId, `${run.status.name}:${run.typedSearchAttributes.get(OrderStatusSearchAttribute) ?? '?'}`);
    });
    if (finals.size === orderIds.length) return orderIds.map((id) => finals.get(id)!);
    if (performance.now() > deadline)
      throw new Error(`${orderIds.length - finals.size} of ${orderIds.length} accepted orders still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** CPU time each process of the stack used since the last call (for context: where the time goes under load). */
function cpuMeter() {
  const [, port] = temporal.address.split(':');
  const pids = {
    api: api!.handle.child.pid!,
    worker: worker!.child.pid!,
    services: services!.handle.child.pid!,
    temporal: findPid(['start-dev', '--port', port!]),
  };
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? NaN : cpuMs(pid)]));
  let last = read();
  return {
    since() {
      const now = read();
      const used = Object.fromEntries(Object.entries(now).map(([name, ms]) => [name, Math.round(ms - (last[name] ?? NaN))]));
      last = now;
      return used;
    },
  };
}

/** Runs `task` over `items`, at most `limit` at once. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]!);
      }
    }),
  );
  return out;
}

interface Reading {
  rssBytes: number;
  /** JS heap after the forced GC: the main thread's, and its worker threads' together (the worker runs workflows in one). */
  heapBytes: number;
  threadHeapBytes: number;
}
const medianOf = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const typeOf = (o: Outcome) => o.problemType?.slice(o.problemType.lastIndexOf('/') + 1);
const count = (outcomes: readonly Outcome[], predicate: (o: Outcome) => boolean) => outcomes.filter(predicate).length;
const tally = (values: readonly string[]) => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
/** The two deliberate 503s: Temporal unreachable (or its own resource exhaustion), and load shed by this API. */
const DELIBERATE_503 = new Set<string | undefined>(['temporal-unavailable', 'overloaded']);

describe('load within bounds', () => {
  it('answers rising load with no 5xx but a 503 with Retry-After, and every accepted order runs to completion', async () => {
    const all: Outcome[] = [];
    const byRate = new Map<number, Outcome[]>();
    const steps: (Summary & { step: string })[] = [];
    const cpu = cpuMeter();
    for (const rate of RAMP.steps) {
      const outcomes = await openLoop(rate, RAMP.stepMs, mixed(load, RAMP.orderEvery, `ramp${rate}`));
      const summary = { step: `ramp ${rate}`, ...summarize(rate, RAMP.stepMs, outcomes), cpuMs: cpu.since() };
      console.log(`${formatSummary(summary.step, summary)}; CPU ms ${JSON.stringify(summary.cpuMs)}`);
      steps.push(summary);
      byRate.set(rate, outcomes);
      all.push(...outcomes);
    }
    results.steps = steps;
    await saveResults();

    expect(tally(undeliberateFailures(all))).toEqual({});
    // Every 503 is one of the two deliberate ones: Temporal unreachable (or exhausted), or shed.
    expect(all.filter((o) => o.status === 503 && !DELIBERATE_503.has(typeOf(o))).map((o) => `${o.route} ${o.problemType ?? ''}`)).toEqual([]);
    // Nothing else either: each request is served or deliberately turned away. Past what the machine
    // can serve (200 req/s is, on 2 cores; more so beside another busy process), a profile Baton was
    // too busy to compose in time is a 503 `overloaded`, never a 504 blaming a healthy service.
    const describeOutcome = (o: Outcome) => `${o.route} ${o.status} ${o.problemType ?? ''} ${o.detail ?? o.error ?? ''}`.trim();
    const served = (o: Outcome) => o.status === (o.route === 'orders' ? 202 : 200);
    expect(tally(all.filter((o) => !served(o) && o.status !== 503).map(describeOutcome))).toEqual({});
    // Light load is served in full: shedding is for overload only.
    expect((byRate.get(RAMP.steps[0]!) ?? []).filter((o) => !served(o)).map(describeOutcome)).toEqual([]);

    // Every 202 was a real start: the run exists in Temporal, and it completes.
    const accepted = all.filter((o) => o.route === 'orders' && o.status === 202).map((o) => o.orderId!);
    expect(accepted.length).toBeGreaterThan(0);
    const waitStarted = performance.now();
    const finals = await finalStatuses(accepted, 120_000);
    const byStatus = tally(finals);
    const drainMs = Math.round(performance.now() - waitStarted);
    console.log(
      `ramp: ${accepted.length} orders accepted, all exist in Temporal; final states ${JSON.stringify(byStatus)} (all final ${drainMs} ms after the last step)`,
    );
    results.rampOrders = { accepted: accepted.length, finalStates: byStatus, allFinalAfterMs: drainMs };
    await saveResults();
    expect(finals.filter((s) => s !== 'COMPLETED:completed')).toEqual([]);
  }, 150_000);

  it('answers 503 with Retry-After on the Temporal routes while Temporal hangs and once it is gone, and sheds beyond the bound', async () => {
    const hung = await openLoop(DEAD.rate, DEAD.phaseMs, mixed(deadLoad, 2, 'hung'));
    // Now nothing listens there: connections are refused.
    for (const socket of blackholeSockets) socket.destroy();
    await new Promise((resolve) => blackhole!.close(resolve));
    const gone = await openLoop(DEAD.rate, DEAD.phaseMs, mixed(deadLoad, 2, 'gone'));

    const report = (name: string, outcomes: Outcome[]) => {
      const summary = summarize(DEAD.rate, DEAD.phaseMs, outcomes);
      const shed = count(outcomes, (o) => typeOf(o) === 'overloaded');
      console.log(`${formatSummary(name, summary)}; ${shed} shed`);
      return { step: name, ...summary, shed };
    };
    results.temporalDown = {
      maxInflight: DEAD.maxInflight,
      deadlineMs: DEAD.deadlineMs,
      phases: [report('temporal hung', hung), report('temporal gone', gone)],
    };
    await saveResults();

    for (const outcomes of [hung, gone]) {
      const orders = outcomes.filter((o) => o.route === 'orders');
      expect(orders.filter((o) => o.status !== 503 || !(Number(o.retryAfter) > 0)).map((o) => `${o.status} ${o.problemType ?? o.error ?? ''}`)).toEqual([]);
      expect(orders.filter((o) => !DELIBERATE_503.has(typeOf(o))).map((o) => o.problemType)).toEqual([]);
      // The compositions need no Temporal: they go on as if nothing happened.
      expect(outcomes.filter((o) => o.route === 'profiles' && o.status !== 200).map((o) => `${o.status} ${o.problemType ?? o.error ?? ''}`)).toEqual([]);
    }
    // While Temporal hangs, the first DEAD.maxInflight orders wait out their deadline; the ones behind them are
    // shed at once instead of piling up.
    expect(count(hung, (o) => typeOf(o) === 'overloaded')).toBeGreaterThan(0);
    expect(count(hung, (o) => typeOf(o) === 'temporal-unavailable')).toBeGreaterThan(0);
  }, 60_000);

  it('keeps the RSS of the API and of the worker within 10% over two minutes of steady load', async () => {
    const roles = {
      api: { pid: api!.handle.child.pid!, inspector: apiInspector },
      worker: { pid: worker!.child.pid!, inspector: workerInspector },
    };
    // Every few seconds, for the figures (the sawtooth of each GC cycle is visible there).
    const sampler = sampleRss({ api: roles.api.pid, worker: roles.worker.pid }, SOAK.sampleEveryMs);

    /**
     * How the growth is measured. The baseline is the state after warm-up, not at start: JIT code, V8 sizing
     * its heap to the load, pools and caches filling up are growth that stops; a leak goes on. And both
     * readings are taken in the same state: with the load paused and every order placed so far finished.
     * Read under load, RSS measures the work in hand rather than a leak: each order the worker has not
     * finished yet keeps its workflow cached (about 2.5 MiB), so on a machine where another process takes
     * a core and the worker falls 40 orders behind, RSS is 20% up with nothing leaking. Plain RSS samples
     * also measure the GC cycle: V8 lets garbage pile up in the old generation for a minute or more between
     * major GCs. So at each checkpoint a full GC is forced in each process (through the inspector) a few
     * times, VmRSS read a second after each, and the median taken: what stays is what the work left behind.
     */
    const checkpoint = async () => {
      const taken = { api: [] as Reading[], worker: [] as Reading[] };
      for (let i = 0; i < SOAK.readings; i++) {
        await Promise.all(
          (Object.keys(roles) as (keyof typeof roles)[]).map(async (name) => {
            const heap = await collectGarbage(roles[name].inspector);
            await new Promise((r) => setTimeout(r, 1000));
            const threadHeapBytes = heap.threadBytes.reduce((a, b) => a + b, 0);
            taken[name].push({ rssBytes: rssBytes(roles[name].pid), heapBytes: heap.mainBytes, threadHeapBytes });
          }),
        );
      }
      const figure = (name: keyof typeof roles) => ({
        rssBytes: medianOf(taken[name].map((r) => r.rssBytes)),
        heapBytes: medianOf(taken[name].map((r) => r.heapBytes)),
        threadHeapBytes: medianOf(taken[name].map((r) => r.threadHeapBytes)),
      });
      return { api: figure('api'), worker: figure('worker') };
    };
    /** Load for `durationMs`, then until every order it placed has finished (each must complete). */
    const part = async (name: string, durationMs: number) => {
      const outcomes = await openLoop(SOAK.rate, durationMs, mixed(load, SOAK.orderEvery, name));
      const stopped = performance.now();
      const accepted = outcomes.filter((o) => o.route === 'orders' && o.status === 202).map((o) => o.orderId!);
      const finals = await finalStatuses(accepted, SOAK.drainMs);
      return { outcomes, accepted, finals, drainMs: Math.round(performance.now() - stopped) };
    };

    const warmup = await part('soak-warmup', SOAK.warmupMs);
    const baseline = await checkpoint();
    const steady = await part('soak', SOAK.durationMs - SOAK.warmupMs);
    const end = await checkpoint();
    const samples = sampler.stop();

    const outcomes = [...warmup.outcomes, ...steady.outcomes];
    const finals = [...warmup.finals, ...steady.finals];
    const figuresOf = (name: keyof typeof roles) => ({
      rssStartMiB: mib(samples[name][0]?.bytes ?? NaN),
      rssAfterWarmupMiB: mib(baseline[name].rssBytes),
      rssEndMiB: mib(end[name].rssBytes),
      rssGrowthPct: growthPct(baseline[name].rssBytes, end[name].rssBytes),
      heapAfterWarmupMiB: mib(baseline[name].heapBytes),
      heapEndMiB: mib(end[name].heapBytes),
      heapGrowthPct: growthPct(baseline[name].heapBytes, end[name].heapBytes),
      threadHeapAfterWarmupMiB: mib(baseline[name].threadHeapBytes),
      threadHeapEndMiB: mib(end[name].threadHeapBytes),
      /** Every SOAK.sampleEveryMs, under load or not, GC or not. */
      rssSamplesMiB: samples[name].map((x) => Math.round(mib(x.bytes))),
    });
    const figures = { api: figuresOf('api'), worker: figuresOf('worker') };
    const summary = summarize(SOAK.rate, SOAK.durationMs, outcomes);
    const drains = { afterWarmupMs: warmup.drainMs, afterSteadyMs: steady.drainMs };
    console.log(
      `${formatSummary('soak', summary)}; final states ${JSON.stringify(tally(finals))}; every order finished ${drains.afterWarmupMs} ms after the warm-up, ${drains.afterSteadyMs} ms after the rest`,
    );
    for (const [name, f] of Object.entries(figures)) {
      console.log(
        `soak RSS ${name}: ${f.rssStartMiB} MiB at start, ${f.rssAfterWarmupMiB} MiB after warm-up, ${f.rssEndMiB} MiB at the end: ${f.rssGrowthPct}% ` +
          `(JS heap after GC ${f.heapAfterWarmupMiB} -> ${f.heapEndMiB} MiB, ${f.heapGrowthPct}%; worker threads ${f.threadHeapAfterWarmupMiB} -> ${f.threadHeapEndMiB} MiB)`,
      );
    }
    results.soak = {
      step: 'soak',
      ...summary,
      ...SOAK,
      ordersAccepted: finals.length,
      finalStates: tally(finals),
      drainedAfterMs: drains,
      memory: figures,
    };
    await saveResults();

    // The sample services share the machine: starved of CPU (beside another busy process), one may
    // really be slower than a profile's 1 s deadline, and the contract's answer to that is a 504. A
    // handful is that; anything else, or more, is Baton failing a load it should carry.
    const failures = undeliberateFailures(outcomes);
    expect(failures.filter((f) => !f.startsWith('profiles 504 '))).toEqual([]);
    expect(failures.length).toBeLessThanOrEqual(outcomes.length * SOAK.maxTimeoutShare);
    expect(finals.filter((s) => s !== 'COMPLETED:completed')).toEqual([]);
    expect(figures.api.rssGrowthPct).toBeLessThan(SOAK.maxGrowthPct);
    expect(figures.worker.rssGrowthPct).toBeLessThan(SOAK.maxGrowthPct);
  }, 360_000);
});
