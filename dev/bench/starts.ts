// Starts: POST /orders to its 202 against the raw `client.workflow.start` of the same order workflow
// (same input, ID policy and search attributes; a plain client, as a raw-SDK user writes it), at the same
// concurrency against the same server: the dev server, or with `cluster` Temporal's own server on PostgreSQL.
// No worker polls the queue, so only the start path is measured: Baton's HTTP, auth, validation and
// input building on top of what the SDK call costs. They take turns, round after round. Beside the
// ratio: the CPU each side spends per start (the API process for Baton; the driver's SDK client for the
// baseline), since on two cores what the API spends is what the server, the bottleneck, cannot; and the
// server's own per start, so that the machine's whole CPU per start can be set beside the ratio.
// Two more contenders take their turn in every round: the HTTP hop alone (starts/bare-api.ts, node:http around the
// baseline's own call), and the baseline's call made with everything the API's start asks of Temporal (Baton's
// client, so encrypted payloads; the summary, details and fairness key). One run then splits Baton's cost into what
// its start asks of Temporal, what any HTTP API in front of the SDK costs, and Baton's own layer.
import type { Client } from '@temporalio/client';
import { ownCpuSeconds } from './lib/children';
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { apiClient, orderRequest, startOrderAsApi, startOrderDirectly } from './lib/orders';
import { fmt, fmtAgainst, round, roundAgainst, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startApi, startBareApi, startTemporal, stopAll, type TemporalKind } from './lib/stack';

export const STARTS_TARGET = 0.95;
const meetsTarget = (ratio: number) => ratio >= STARTS_TARGET;

export interface StartsJson {
  throughputRatio: number | null;
  concurrency: number;
  batonPerSecond: number | null;
  baselinePerSecond: number | null;
  rounds: { baton: ClosedLoopResult[]; baseline: ClosedLoopResult[] };
  /** The API process's CPU per accepted start (ms), over Baton's rounds. */
  apiCpuMsPerStart: number | null;
  /** The benchmark process's own CPU per start (ms): its HTTP client for Baton, the SDK's client for the baseline. */
  driverCpuMsPerStart: { baton: number | null; baseline: number | null };
  /** The Temporal server's CPU per start (ms) in each side's rounds: the dev server, or the cluster's roles and PostgreSQL. */
  serverCpuMsPerStart: { baton: number | null; baseline: number | null };
  /** All of it per start (ms): server, API and driver for Baton; server and driver for the baseline. */
  machineCpuMsPerStart: { baton: number | null; baseline: number | null };
  /**
   * The HTTP hop alone (dev/bench/starts/bare-api.ts: node:http, the baseline's call, nothing of Baton's), in the
   * same rounds: its starts/s and ratio to the baseline's, its process's CPU per start, the driver's (HTTP) and the
   * server's in its rounds, and all of it.
   */
  bareHttp: {
    perSecond: number | null;
    throughputRatio: number | null;
    rounds: ClosedLoopResult[];
    apiCpuMsPerStart: number | null;
    driverCpuMsPerStart: number | null;
    serverCpuMsPerStart: number | null;
    machineCpuMsPerStart: number | null;
  };
  /**
   * The baseline's call with the API's start options and Baton's client (lib/orders.ts startOrderAsApi), in the same
   * rounds: what Baton's start asks of Temporal and of the SDK's client, without HTTP or Baton's API. Its starts/s
   * and ratio to the baseline's, the driver's and the server's CPU per start in its rounds, and all of it.
   */
  sdkWithApiOptions: {
    perSecond: number | null;
    throughputRatio: number | null;
    rounds: ClosedLoopResult[];
    driverCpuMsPerStart: number | null;
    serverCpuMsPerStart: number | null;
    machineCpuMsPerStart: number | null;
  };
  target: number;
}

export async function startsBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<StartsJson>> {
  const concurrency = 16;
  const roundMs = quick ? 3000 : 8000;
  type Contender = 'baton' | 'baseline' | 'bare' | 'options';
  const contenders: Contender[] = ['baton', 'baseline', 'bare', 'options'];
  // Enough rounds for each contender to take each place in the order once.
  const rounds = quick ? 1 : contenders.length;
  const taskQueue = 'bench-starts-unpolled';
  const temporal = await startTemporal(server);
  const parts: { stop(): Promise<void> }[] = [temporal];
  try {
    const api = await startApi(temporal, taskQueue);
    parts.push(api);
    const bare = await startBareApi(temporal, taskQueue);
    parts.push(bare);
    const http = apiClient(api.url);
    const bareHttp = apiClient(bare.ready.url);
    parts.push({ stop: () => http.close() }, { stop: () => bareHttp.close() });
    let n = 0;
    const started: Record<Contender, number> = { baton: 0, baseline: 0, bare: 0, options: 0 };
    const viaHttp = (client: ReturnType<typeof apiClient>, c: Contender, prefix: string) => async () => {
      const accepted = (await client.post(orderRequest(prefix, n++))).status === 202;
      if (accepted) started[c]++;
      return accepted;
    };
    const viaSdk = (start: typeof startOrderDirectly, client: Client, c: Contender, prefix: string) => async () => {
      await start(client, taskQueue, orderRequest(prefix, n++));
      started[c]++;
      return true;
    };
    const send: Record<Contender, () => Promise<boolean>> = {
      baton: viaHttp(http, 'baton', 'start-api'),
      baseline: viaSdk(startOrderDirectly, temporal.client, 'baseline', 'start-raw'),
      bare: viaHttp(bareHttp, 'bare', 'start-bare'),
      options: viaSdk(startOrderAsApi, temporal.batonClient, 'options', 'start-opts'),
    };
    console.log('  warming up');
    for (const c of contenders) await closedLoop(send[c], concurrency, 2000, 0, 10_000);
    const results: Record<Contender, ClosedLoopResult[]> = { baton: [], baseline: [], bare: [], options: [] };
    // CPU per start over whole rounds (ramp and drain too), divided by every start those rounds made: the
    // API's for Baton and the bare API's for the hop alone; this process's (the driver: its HTTP client, or the
    // SDK's gRPC client for the baseline) and the server's for all. On two cores, what the API spends the server cannot.
    const zero = (): Record<Contender, number> => ({ baton: 0, baseline: 0, bare: 0, options: 0 });
    const cpu = { api: zero(), server: zero(), driver: zero(), starts: zero() };
    const apiCpu: Record<Contender, () => number> = { baton: () => api.cpuSeconds(), baseline: () => 0, bare: () => bare.cpuSeconds(), options: () => 0 };
    for (let r = 0; r < rounds; r++) {
      // Each contender takes each place in the order once over as many rounds as there are contenders.
      for (const c of contenders.map((_, i) => contenders[(i + r) % contenders.length]!)) {
        const before = { api: apiCpu[c](), server: temporal.cpuSeconds(), driver: ownCpuSeconds(), starts: started[c] };
        const result = await closedLoop(send[c], concurrency, roundMs, 500);
        cpu.api[c] += apiCpu[c]() - before.api;
        cpu.server[c] += temporal.cpuSeconds() - before.server;
        cpu.driver[c] += ownCpuSeconds() - before.driver;
        cpu.starts[c] += started[c] - before.starts;
        results[c].push(result);
        console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0)} starts/s at concurrency ${concurrency} (${result.failed} failed)`);
      }
    }
    const baton = throughputOf(results.baton);
    const baseline = throughputOf(results.baseline);
    const bareRate = throughputOf(results.bare);
    const optionsRate = throughputOf(results.options);
    const ratio = baton / baseline;
    const msPer = (seconds: number, starts: number) => (starts > 0 ? round((seconds * 1000) / starts, 3) : null);
    const per = (c: Contender, seconds: Record<Contender, number>) => msPer(seconds[c], cpu.starts[c]);
    const all = (c: Contender) => msPer(cpu.server[c] + cpu.api[c] + cpu.driver[c], cpu.starts[c]);
    const apiCpuMsPerStart = per('baton', cpu.api);
    const driverCpuMsPerStart = { baton: per('baton', cpu.driver), baseline: per('baseline', cpu.driver) };
    const serverCpuMsPerStart = { baton: per('baton', cpu.server), baseline: per('baseline', cpu.server) };
    const machineCpuMsPerStart = { baton: all('baton'), baseline: all('baseline') };
    // A side contender's figures: its rate against the baseline's, and its CPU per start in its own rounds.
    const sideJson = (c: Contender, rate: number) => ({
      perSecond: round(rate, 1),
      throughputRatio: round(rate / baseline, 3),
      rounds: results[c],
      driverCpuMsPerStart: per(c, cpu.driver),
      serverCpuMsPerStart: per(c, cpu.server),
      machineCpuMsPerStart: all(c),
    });
    const bareHttpJson: StartsJson['bareHttp'] = { ...sideJson('bare', bareRate), apiCpuMsPerStart: per('bare', cpu.api) };
    const optionsJson: StartsJson['sdkWithApiOptions'] = sideJson('options', optionsRate);
    console.log(
      `    CPU per start: the API ${fmt(apiCpuMsPerStart ?? NaN, 3)} ms; the driver ${fmt(driverCpuMsPerStart.baton ?? NaN, 3)} ms (HTTP) against ${fmt(driverCpuMsPerStart.baseline ?? NaN, 3)} ms (SDK client); the server ${fmt(serverCpuMsPerStart.baton ?? NaN, 3)} against ${fmt(serverCpuMsPerStart.baseline ?? NaN, 3)} ms`,
    );
    console.log(
      `    the HTTP hop alone: ${fmt(bareRate, 0)} starts/s (÷ baseline ${fmt(bareHttpJson.throughputRatio ?? NaN, 3)}); its API ${fmt(bareHttpJson.apiCpuMsPerStart ?? NaN, 3)} ms, the driver ${fmt(bareHttpJson.driverCpuMsPerStart ?? NaN, 3)} ms, the server ${fmt(bareHttpJson.serverCpuMsPerStart ?? NaN, 3)} ms per start`,
    );
    console.log(
      `    the SDK call with the API's options: ${fmt(optionsRate, 0)} starts/s (÷ baseline ${fmt(optionsJson.throughputRatio ?? NaN, 3)}); the driver ${fmt(optionsJson.driverCpuMsPerStart ?? NaN, 3)} ms, the server ${fmt(optionsJson.serverCpuMsPerStart ?? NaN, 3)} ms per start`,
    );
    return {
      json: {
        throughputRatio: roundAgainst(ratio, meetsTarget),
        concurrency,
        batonPerSecond: round(baton, 1),
        baselinePerSecond: round(baseline, 1),
        rounds: results,
        apiCpuMsPerStart,
        driverCpuMsPerStart,
        serverCpuMsPerStart,
        machineCpuMsPerStart,
        bareHttp: bareHttpJson,
        sdkWithApiOptions: optionsJson,
        target: STARTS_TARGET,
      },
      rows: [
        {
          benchmark: 'starts',
          figure: `starts/s at concurrency ${concurrency}`,
          baton: fmt(baton, 0),
          baseline: fmt(baseline, 0),
          result: `ratio ${fmtAgainst(ratio, meetsTarget)}: ${verdict(ratio, meetsTarget)}`,
          target: `≥ ${STARTS_TARGET}`,
        },
        {
          benchmark: 'starts',
          figure: 'CPU per start: the API; the driver (its client)',
          baton: `${fmt(apiCpuMsPerStart ?? NaN, 2)} ms; ${fmt(driverCpuMsPerStart.baton ?? NaN, 2)} ms (HTTP)`,
          baseline: `${fmt(driverCpuMsPerStart.baseline ?? NaN, 2)} ms (SDK client)`,
          result: '',
          target: '',
        },
        {
          benchmark: 'starts',
          figure: 'CPU per start: the Temporal server; all of it (server, API, driver)',
          baton: `${fmt(serverCpuMsPerStart.baton ?? NaN, 2)} ms; ${fmt(machineCpuMsPerStart.baton ?? NaN, 2)} ms`,
          baseline: `${fmt(serverCpuMsPerStart.baseline ?? NaN, 2)} ms; ${fmt(machineCpuMsPerStart.baseline ?? NaN, 2)} ms`,
          result:
            machineCpuMsPerStart.baton && machineCpuMsPerStart.baseline
              ? `baseline's ÷ Baton's ${fmt(machineCpuMsPerStart.baseline / machineCpuMsPerStart.baton)} (beside the ratio)`
              : '',
          target: '',
        },
        {
          benchmark: 'starts',
          figure: "the HTTP hop alone (node:http + the baseline's call): starts/s; its API's CPU; all of it",
          baton: `${fmt(bareRate, 0)}; ${fmt(bareHttpJson.apiCpuMsPerStart ?? NaN, 2)} ms; ${fmt(bareHttpJson.machineCpuMsPerStart ?? NaN, 2)} ms`,
          baseline: fmt(baseline, 0),
          result: `÷ baseline ${fmt(bareHttpJson.throughputRatio ?? NaN)}; Baton ÷ it ${fmt(baton / bareRate)}`,
          target: '',
        },
        {
          benchmark: 'starts',
          figure: "the SDK call with the API's start options (encrypted; summary, details, fairness key): starts/s; the server's CPU; all of it",
          baton: `${fmt(optionsRate, 0)}; ${fmt(optionsJson.serverCpuMsPerStart ?? NaN, 2)} ms; ${fmt(optionsJson.machineCpuMsPerStart ?? NaN, 2)} ms`,
          baseline: fmt(baseline, 0),
          result: `÷ baseline ${fmt(optionsJson.throughputRatio ?? NaN)}; Baton ÷ it ${fmt(baton / optionsRate)}`,
          target: '',
        },
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
