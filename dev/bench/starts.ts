// Starts: POST /orders to its 202 against the raw `client.workflow.start` of the same order workflow
// (same input, ID policy and search attributes), at the same concurrency against the same server: the dev
// server, or with `cluster` Temporal's own server on PostgreSQL.
// No worker polls the queue, so only the start path is measured: Baton's HTTP, auth, validation and
// input building on top of what the SDK call costs. The two take turns, round after round. Beside the
// ratio: the CPU each side spends per start (the API process for Baton; the driver's SDK client for the
// baseline), since on two cores what the API spends is what the server, the bottleneck, cannot; and the
// server's own per start, so that the machine's whole CPU per start can be set beside the ratio.
import { ownCpuSeconds } from './lib/children';
import { closedLoop, type ClosedLoopResult } from './lib/open-loop';
import { apiClient, orderRequest, startOrderDirectly } from './lib/orders';
import { fmt, round, throughputOf, verdict, type BenchOptions, type BenchOutcome } from './lib/report';
import { startApi, startTemporal, stopAll, type TemporalKind } from './lib/stack';

export const STARTS_TARGET = 0.95;

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
  target: number;
}

export async function startsBenchmark({ quick }: BenchOptions, server: TemporalKind = 'dev'): Promise<BenchOutcome<StartsJson>> {
  const concurrency = 16;
  const roundMs = quick ? 3000 : 8000;
  const rounds = quick ? 1 : 3;
  const taskQueue = 'bench-starts-unpolled';
  const temporal = await startTemporal(server);
  const parts: { stop(): Promise<void> }[] = [temporal];
  try {
    const api = await startApi(temporal, taskQueue);
    parts.push(api);
    const http = apiClient(api.url);
    parts.push({ stop: () => http.close() });
    let n = 0;
    const started = { baton: 0, baseline: 0 };
    const send = {
      baton: async () => {
        const accepted = (await http.post(orderRequest('start-api', n++))).status === 202;
        if (accepted) started.baton++;
        return accepted;
      },
      baseline: async () => {
        await startOrderDirectly(temporal.client, taskQueue, orderRequest('start-raw', n++));
        started.baseline++;
        return true;
      },
    };
    console.log('  warming up');
    for (const c of ['baton', 'baseline'] as const) await closedLoop(send[c], concurrency, 2000, 0, 10_000);
    const results = { baton: [] as ClosedLoopResult[], baseline: [] as ClosedLoopResult[] };
    // CPU per start over whole rounds (ramp and drain too), divided by every start those rounds made: the
    // API's for Baton; this process's (the driver: HTTP client for Baton, the SDK's gRPC client for the
    // baseline) and the server's for both. On two cores, what the API spends the server cannot.
    const cpu = { api: 0, server: { baton: 0, baseline: 0 }, driver: { baton: 0, baseline: 0 }, starts: { baton: 0, baseline: 0 } };
    for (let r = 0; r < rounds; r++) {
      for (const c of r % 2 === 0 ? (['baton', 'baseline'] as const) : (['baseline', 'baton'] as const)) {
        const before = { api: api.cpuSeconds(), server: temporal.cpuSeconds(), driver: ownCpuSeconds(), starts: started[c] };
        const result = await closedLoop(send[c], concurrency, roundMs, 500);
        if (c === 'baton') cpu.api += api.cpuSeconds() - before.api;
        cpu.server[c] += temporal.cpuSeconds() - before.server;
        cpu.driver[c] += ownCpuSeconds() - before.driver;
        cpu.starts[c] += started[c] - before.starts;
        results[c].push(result);
        console.log(`    ${c.padEnd(9)} ${fmt(result.throughput, 0)} starts/s at concurrency ${concurrency} (${result.failed} failed)`);
      }
    }
    const baton = throughputOf(results.baton);
    const baseline = throughputOf(results.baseline);
    const ratio = baton / baseline;
    const msPer = (seconds: number, starts: number) => (starts > 0 ? round((seconds * 1000) / starts, 3) : null);
    const apiCpuMsPerStart = msPer(cpu.api, cpu.starts.baton);
    const driverCpuMsPerStart = { baton: msPer(cpu.driver.baton, cpu.starts.baton), baseline: msPer(cpu.driver.baseline, cpu.starts.baseline) };
    const serverCpuMsPerStart = { baton: msPer(cpu.server.baton, cpu.starts.baton), baseline: msPer(cpu.server.baseline, cpu.starts.baseline) };
    const machineCpuMsPerStart = {
      baton: msPer(cpu.server.baton + cpu.api + cpu.driver.baton, cpu.starts.baton),
      baseline: msPer(cpu.server.baseline + cpu.driver.baseline, cpu.starts.baseline),
    };
    console.log(
      `    CPU per start: the API ${fmt(apiCpuMsPerStart ?? NaN, 3)} ms; the driver ${fmt(driverCpuMsPerStart.baton ?? NaN, 3)} ms (HTTP) against ${fmt(driverCpuMsPerStart.baseline ?? NaN, 3)} ms (SDK client); the server ${fmt(serverCpuMsPerStart.baton ?? NaN, 3)} against ${fmt(serverCpuMsPerStart.baseline ?? NaN, 3)} ms`,
    );
    return {
      json: {
        throughputRatio: round(ratio, 3),
        concurrency,
        batonPerSecond: round(baton, 1),
        baselinePerSecond: round(baseline, 1),
        rounds: results,
        apiCpuMsPerStart,
        driverCpuMsPerStart,
        serverCpuMsPerStart,
        machineCpuMsPerStart,
        target: STARTS_TARGET,
      },
      rows: [
        {
          benchmark: 'starts',
          figure: `starts/s at concurrency ${concurrency}`,
          baton: fmt(baton, 0),
          baseline: fmt(baseline, 0),
          result: `ratio ${fmt(ratio)}: ${verdict(ratio, (v) => v >= STARTS_TARGET)}`,
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
      ],
    };
  } finally {
    await stopAll(parts);
  }
}
