// How soon does a client learn that its order's payment is authorized?
//   plain:  POST /orders (202 at once), then poll GET /orders/{id} until authorizePayment completed;
//   prefer: POST /orders with `Prefer: wait=10`: update-with-start answers 200 with that state.
// Runs a real Temporal dev server, the sample services, the real worker (child process) and the API.
// Usage: node --import tsx bench/early-return.ts [orders per case, default 25]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { startApiServer } from '../api/server';
import type { OrderState } from '../definitions';
import { BATON_SEARCH_ATTRIBUTES } from '../definitions/search-attributes';
import { startDevServer } from '../lib/dev-server';
import { startSampleServices } from '../services';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../test/support/api';
import { FAST_TIMINGS, orderRequest, setFaults } from '../test/support/orders';
import { startChild } from '../test/support/processes';

const N = Number(process.argv[2] ?? 25);
const POLL_MS = 25;
const PAYMENT_LATENCIES_MS = [0, 250];

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const round = (ms: number) => Math.round(ms * 10) / 10;
const stats = (values: number[]) => ({ p50: round(quantile(values, 0.5)), p90: round(quantile(values, 0.9)), n: values.length });

async function main() {
  const server = await startDevServer({ logLevel: 'error', searchAttributes: [...BATON_SEARCH_ATTRIBUTES] });
  const services = await startSampleServices({ settleOutcome: 'never' });
  const taskQueue = 'bench-early-return';
  const worker = startChild('worker/main.ts', {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PAYMENTS_URL: services.urls.payments,
    INVENTORY_URL: services.urls.inventory,
    SHIPPING_URL: services.urls.shipping,
  });
  const stopAll: (() => Promise<unknown>)[] = [() => server.stop(), () => services.close(), () => worker.stop()];
  const cleanup = async () => {
    for (const stop of stopAll.reverse()) await stop().catch(() => undefined);
  };
  try {
    await run(server.address, server.namespace, taskQueue, services.urls.payments, worker, stopAll);
  } finally {
    await cleanup();
  }
}

async function run(
  address: string,
  namespace: string,
  taskQueue: string,
  paymentsUrl: string,
  worker: ReturnType<typeof startChild>,
  stopAll: (() => Promise<unknown>)[],
) {
  const server = { address, namespace };
  const services = { urls: { payments: paymentsUrl } };
  const connection = await Connection.connect({ address: server.address });
  stopAll.push(() => connection.close());
  const client = new Client({ connection, namespace: server.namespace });
  const api = await startApiServer(
    {
      config: {
        apiTokens: [TEST_TOKEN],
        bodyLimitBytes: 65536,
        namespace: server.namespace,
        taskQueue,
        temporalUiUrl: 'http://localhost:8233',
        webhookSecret: TEST_WEBHOOK_SECRET,
        publicUrl: 'http://127.0.0.1:0',
        temporalDeadlineMs: 5000,
        orderTimings: FAST_TIMINGS,
      },
      temporal: { client, connection },
      logger: pino({ level: 'silent' }),
    },
    { port: 0 },
  );
  stopAll.push(() => api.close());
  const headers = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  await worker.waitFor(/worker polling task queue/);

  /** Time to the first response, and time until the client knows the payment is authorized. */
  async function plain(): Promise<[number, number]> {
    const order = orderRequest();
    const t0 = performance.now();
    const res = await fetch(`${api.url}/orders`, { method: 'POST', headers, body: JSON.stringify(order) });
    await res.arrayBuffer();
    const first = performance.now() - t0;
    if (res.status !== 202) throw new Error(`plain start answered ${res.status}`);
    for (;;) {
      const state = (await (await fetch(`${api.url}/orders/${order.orderId}`, { headers })).json()) as OrderState;
      if (state.steps.some((s) => s.name === 'authorizePayment' && s.status !== 'running')) return [first, performance.now() - t0];
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async function prefer(): Promise<[number, number]> {
    const order = orderRequest();
    const t0 = performance.now();
    const res = await fetch(`${api.url}/orders`, { method: 'POST', headers: { ...headers, prefer: 'wait=10' }, body: JSON.stringify(order) });
    const body = (await res.json()) as { state?: OrderState };
    const elapsed = performance.now() - t0;
    if (res.status !== 200 || body.state?.steps[0]?.status !== 'completed') throw new Error(`prefer start answered ${res.status} ${JSON.stringify(body)}`);
    return [elapsed, elapsed];
  }

  const cases: Record<string, unknown>[] = [];
  {
    for (const latencyMs of PAYMENT_LATENCIES_MS) {
      await setFaults(services.urls.payments, latencyMs ? { latencyMs, match: '/payments' } : {});
      for (let i = 0; i < 3; i++) await Promise.all([plain(), prefer()]); // warm up
      const results = { plain: { first: [] as number[], authorized: [] as number[] }, prefer: { first: [] as number[], authorized: [] as number[] } };
      // Alternate, one order at a time, so both see the same conditions.
      for (let i = 0; i < N; i++) {
        const [pf, pa] = await plain();
        results.plain.first.push(pf);
        results.plain.authorized.push(pa);
        const [ef, ea] = await prefer();
        results.prefer.first.push(ef);
        results.prefer.authorized.push(ea);
      }
      const row = {
        paymentLatencyMs: latencyMs,
        withoutPrefer: { firstResponseMs: stats(results.plain.first), paymentAuthorizedKnownMs: stats(results.plain.authorized), pollIntervalMs: POLL_MS },
        withPreferWait: { firstResponseMs: stats(results.prefer.first), paymentAuthorizedKnownMs: stats(results.prefer.authorized) },
      };
      cases.push(row);
      console.log(
        `payment latency ${latencyMs} ms: time to first response p50 ${row.withoutPrefer.firstResponseMs.p50} ms without Prefer (202, no state) vs ` +
          `${row.withPreferWait.firstResponseMs.p50} ms with Prefer: wait (200, payment authorized); ` +
          `time until the client knows the payment is authorized p50 ${row.withoutPrefer.paymentAuthorizedKnownMs.p50} ms (POST + polling) vs ${row.withPreferWait.paymentAuthorizedKnownMs.p50} ms`,
      );
    }
    const out = fileURLToPath(new URL('./results/early-return.json', import.meta.url));
    mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
    const cpu = cpus()[0];
    writeFileSync(
      out,
      JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpu?.model, node: process.version }, ordersPerCase: N, cases }, null, 2) + '\n',
    );
    console.log(`wrote ${out}`);
  }
}

await main();
