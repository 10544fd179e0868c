// "See everything", proven on Baton's real processes: services, worker and API each run as a child
// process and export their spans over OTLP/HTTP to a receiver in this test; metrics endpoints are
// scraped and parsed; the worker's JSON log lines are read from its stdout; visibility is queried
// through GET /orders.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OrderState } from '../../../contracts';
import { TEST_METRICS_TOKEN, uniqueTaskQueue } from '../../support/api';
import { orderRequest, uniqueOrderId } from '../../support/orders';
import { repoRoot } from '../../support/processes';
import { scrape, sumOf } from '../../../dev/prometheus-text';
import { eventually, jsonLines, SpanKindCode, startOtlpReceiver, startStack, type OtlpReceiver, type ReceivedSpan, type Stack } from './support';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

let receiver: OtlpReceiver;
let stack: Stack;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ address, namespace, taskQueue: uniqueTaskQueue('observability'), otlpUrl: receiver.url });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

interface Accepted {
  orderId: string;
  workflowId: string;
  runId: string;
  links: { self: string; temporalUi: string };
}

async function place(overrides: Parameters<typeof orderRequest>[0] = {}): Promise<{ body: Accepted; traceId: string | null }> {
  const res = await stack.call('/orders', { method: 'POST', json: orderRequest(overrides) });
  expect(res.status).toBe(202);
  return { body: (await res.json()) as Accepted, traceId: res.headers.get('x-trace-id') };
}

async function finalState(orderId: string): Promise<OrderState & { links?: Accepted['links'] }> {
  return eventually(async () => {
    const res = await stack.call(`/orders/${orderId}`);
    const state = (await res.json()) as OrderState & { links?: Accepted['links'] };
    return ['completed', 'failed', 'cancelled'].includes(state.status) ? state : undefined;
  }, `order ${orderId} to end`);
}

const traceOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);
const one = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
  const found = named(spans, name);
  expect(found, `exactly one span ${name}; got ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
};
const parentOf = (spans: ReceivedSpan[], span: ReceivedSpan) => spans.find((s) => s.spanId === span.parentSpanId);
const childrenOf = (spans: ReceivedSpan[], span: ReceivedSpan) => spans.filter((s) => s.parentSpanId === span.spanId);

describe('tracing', () => {
  it('POST /orders is one trace: API request → workflow start and run → every activity → every downstream call', async () => {
    const { body, traceId } = await place();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect((await finalState(body.orderId)).status).toBe('completed');

    const steps = ['authorizePayment', 'reserveInventory', 'createShipment'];
    const spans = await eventually(() => {
      // Each process exports on its own schedule: wait for each step's own service span (under its own
      // HTTP call), not for a count, which another span of the trace can make up before the step's arrives.
      const spans = traceOf(traceId as string);
      const served = (step: string) =>
        named(spans, `RunActivity:${step}`).some((executed) =>
          childrenOf(spans, executed).some((call) => call.kind === SpanKindCode.CLIENT && childrenOf(spans, call).some((s) => s.service === 'baton-services')),
        );
      const done = spans.some((s) => s.name === 'POST /orders') && spans.some((s) => s.name === 'RunWorkflow:order') && steps.every(served);
      return done ? spans : undefined;
    }, 'the whole trace to be exported');

    // Every span of this workflow's run, wherever it was made, is in this one trace (the state reads
    // above are requests of their own: their query and describe spans are in their own traces).
    const ofWorkflow = receiver.spans.filter(
      (s) => s.attributes.temporalWorkflowId === body.workflowId && !/^(QueryWorkflow|DescribeWorkflow|HandleQuery)/.test(s.name),
    );
    expect(ofWorkflow.length).toBeGreaterThan(0);
    expect(ofWorkflow.filter((s) => s.traceId !== traceId).map((s) => s.name)).toEqual([]);
    // One root (the API's request span), and no span whose parent is missing.
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => [s.service, s.name])).toEqual([['baton-api', 'POST /orders']]);
    for (const span of spans) if (span.parentSpanId) expect(parentOf(spans, span), `parent of ${span.name}`).toBeDefined();

    const request = roots[0] as ReceivedSpan;
    expect(request.kind).toBe(SpanKindCode.SERVER);
    expect(request.attributes['http.route']).toBe('/orders');
    const start = one(spans, 'StartWorkflow:order');
    expect([start.service, start.parentSpanId]).toEqual(['baton-api', request.spanId]);
    const run = one(spans, 'RunWorkflow:order');
    expect([run.service, run.parentSpanId]).toEqual(['baton-worker', start.spanId]);

    for (const step of steps) {
      const scheduled = one(spans, `StartActivity:${step}`);
      expect(scheduled.parentSpanId).toBe(run.spanId);
      const executed = one(spans, `RunActivity:${step}`);
      expect([executed.service, executed.parentSpanId]).toEqual(['baton-worker', scheduled.spanId]);
      // The activity's HTTP call (undici CLIENT span), and the service's SERVER span under it.
      const [call, ...more] = childrenOf(spans, executed).filter((s) => s.kind === SpanKindCode.CLIENT);
      expect(call, `HTTP call of ${step}`).toBeDefined();
      expect(more).toEqual([]);
      const served = childrenOf(spans, call as ReceivedSpan);
      expect(served.map((s) => [s.service, s.kind])).toEqual([['baton-services', SpanKindCode.SERVER]]);
      expect(served[0]?.attributes['http.route']).toMatch(/^\/(payments|reservations|shipments)/);
    }
    expect(receiver.rejected).toEqual([]);
  });

  it('GET /profiles/{userId} is one trace: the API span with three parallel calls, each with its service span', async () => {
    const res = await stack.call('/profiles/u-1');
    expect(res.status).toBe(200);
    const traceId = res.headers.get('x-trace-id') as string;
    // Spans arrive in batches, each process's when its exporter flushes: the request's own span ends (and is
    // exported) after the answer, so it can come last. Wait for all seven.
    const spans = await eventually(() => {
      const spans = traceOf(traceId);
      const count = (service: string, kind: number) => spans.filter((s) => s.service === service && s.kind === kind).length;
      return named(spans, 'GET /profiles/:userId').length >= 1 &&
        count('baton-api', SpanKindCode.CLIENT) >= 3 &&
        count('baton-services', SpanKindCode.SERVER) >= 3
        ? spans
        : undefined;
    }, 'the composition trace');
    const request = one(spans, 'GET /profiles/:userId');
    expect(request.parentSpanId).toBeUndefined();
    const calls = childrenOf(spans, request).filter((s) => s.kind === SpanKindCode.CLIENT);
    expect(calls).toHaveLength(3);
    const routes = calls.map((call) => childrenOf(spans, call).map((s) => `${s.service} ${String(s.attributes['http.route'])}`)).flat();
    expect(routes.sort()).toEqual(['baton-services /loyalty/:userId', 'baton-services /users/:userId', 'baton-services /users/:userId/orders'].sort());
    // Parallel: every call started before any of them ended.
    const firstEnd = calls.reduce((min, s) => (s.endNs < min ? s.endNs : min), calls[0]?.endNs ?? 0n);
    for (const call of calls) expect(call.startNs < firstEnd).toBe(true);
  });
});

describe('secrets in traces', () => {
  it("a bank transfer's callback, delivered by the payments service, shows its URL in spans with the token redacted", async () => {
    // The sample payments service settles the transfer after a few seconds and POSTs to the callback URL.
    const { body } = await place({ paymentMethod: 'bank_transfer' });
    const spans = await eventually(() => {
      const found = receiver.spans.filter((s) => JSON.stringify(s.attributes['url.full'] ?? '').includes('/webhooks/payments'));
      return found.length > 0 ? found : undefined;
    }, 'the callback span');
    expect(spans.every((s) => JSON.stringify(s.attributes['url.full']).includes('token=REDACTED'))).toBe(true);
    // No attribute of any span holds a callback token (64 hex characters after token=).
    const leaks = receiver.spans.filter((s) => /token=[0-9a-f]{64}/i.test(JSON.stringify(s.attributes)));
    expect(leaks.map((s) => s.name)).toEqual([]);
    await stack.call(`/orders/${body.orderId}/cancel`, { method: 'POST' });
  });
});

describe('metrics', () => {
  it("the API's /metrics (with the scrape token) counts requests by route pattern and status, and shows composition outcomes and breakers", async () => {
    const metricsUrl = `${stack.apiUrl}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    const before = await scrape(metricsUrl, TEST_METRICS_TOKEN);
    const labels = { method: 'GET', route: '/orders/:orderId', status: '404' };
    const count = (samples: typeof before) => sumOf(samples, 'baton_http_requests_total', labels);
    for (let i = 0; i < 3; i++) expect((await stack.call(`/orders/${uniqueOrderId('missing')}`)).status).toBe(404);
    expect((await stack.call('/profiles/u-1')).status).toBe(200);
    const after = await scrape(metricsUrl, TEST_METRICS_TOKEN);
    expect(count(after) - count(before)).toBe(3);
    // The route pattern, never the raw path.
    expect(after.some((s) => s.name === 'baton_http_requests_total' && String(s.labels.route).includes('missing'))).toBe(false);
    expect(sumOf(after, 'baton_http_request_duration_seconds_count', labels) - sumOf(before, 'baton_http_request_duration_seconds_count', labels)).toBe(3);
    const ok = (source: string) =>
      sumOf(after, 'baton_composition_source_total', { composition: 'profile', source, outcome: 'ok' }) -
      sumOf(before, 'baton_composition_source_total', { composition: 'profile', source, outcome: 'ok' });
    expect([ok('users'), ok('orderHistory'), ok('loyalty')]).toEqual([1, 1, 1]);
    expect(sumOf(after, 'baton_circuit_breaker_state', { downstream: 'users', state: 'closed' })).toBe(1);
    expect(sumOf(after, 'baton_circuit_breaker_state', { downstream: 'users', state: 'open' })).toBe(0);
  });

  it("the worker's SDK metrics (BATON_WORKER_METRICS_PORT) move as activities run and fail", async () => {
    const before = await scrape(stack.workerMetricsUrl);
    const { body } = await place({ items: [{ sku: 'OOS-metrics', quantity: 1 }] }); // reserve refused: a failed activity
    expect((await finalState(body.orderId)).status).toBe('failed');
    const after = await eventually(async () => {
      const samples = await scrape(stack.workerMetricsUrl);
      return sumOf(samples, 'temporal_activity_execution_failed') > sumOf(before, 'temporal_activity_execution_failed') ? samples : undefined;
    }, 'the failed activity in the worker metrics');
    const latency = (samples: typeof before) => sumOf(samples, 'temporal_activity_schedule_to_start_latency_count');
    expect(latency(after)).toBeGreaterThan(latency(before));
    expect(after.some((s) => s.name === 'temporal_worker_task_slots_available')).toBe(true);
  });

  it("every query of compose's Grafana dashboard names a metric the API or the worker exports, grouped by labels it has", async () => {
    // After the two cases above, both endpoints have every series the dashboard reads: requests, a composition, a failed activity.
    const exported = [...(await scrape(`${stack.apiUrl}/metrics`, TEST_METRICS_TOKEN)), ...(await scrape(stack.workerMetricsUrl))];
    const labelsOf = new Map<string, Set<string>>();
    for (const sample of exported) {
      const labels = labelsOf.get(sample.name) ?? new Set<string>();
      for (const label of Object.keys(sample.labels)) labels.add(label);
      labelsOf.set(sample.name, labels);
    }
    const dashboard = JSON.parse(await readFile(join(repoRoot, 'deploy/grafana/dashboards/baton.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(queries.length).toBeGreaterThanOrEqual(9);
    const problems: string[] = [];
    for (const { panel, expr } of queries) {
      // Baton's metrics and the SDK's all carry one of these prefixes; anything else in a query would be a typo or a stranger.
      const metrics = [...expr.matchAll(/\b(?:baton|temporal)_[a-z_]+\b/g)].map((m) => m[0]);
      if (metrics.length === 0) problems.push(`${panel}: ${expr} names no Baton or Temporal metric`);
      const grouped = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
      const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!));
      for (const metric of metrics) {
        const labels = labelsOf.get(metric);
        if (!labels) {
          problems.push(`${panel}: ${metric} is not exported`);
          continue;
        }
        for (const label of [...grouped, ...matched]) if (!labels.has(label)) problems.push(`${panel}: ${metric} has no label ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('logs', () => {
  it('the failed activity is logged with workflow ID, run ID, activity and trace ID; the API logs one line per request', async () => {
    const { body, traceId } = await place({ items: [{ sku: 'OOS-logs', quantity: 1 }] });
    await finalState(body.orderId);
    const line = await eventually(
      () => jsonLines(stack.worker.output()).find((l) => l.msg === 'Activity failed' && l.workflowId === body.workflowId),
      'the worker to log the failed activity',
    );
    expect(line).toMatchObject({ activityType: 'reserveInventory', workflowId: body.workflowId, runId: body.runId, traceId });
    expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
    // The workflow's own lines (through the SDK's workflow logger) carry the same IDs. The worker writes its lines
    // in batches (lib/logger.ts), so the last ones may reach its output a moment after the order has ended.
    const last = ['step reserveInventory failed', 'compensation refundPayment completed', 'order failed'];
    const workflowLines = await eventually(() => {
      const lines = jsonLines(stack.worker.output()).filter((l) => l.workflowId === body.workflowId && l.sdkComponent === 'workflow');
      return last.every((msg) => lines.some((l) => l.msg === msg)) ? lines : undefined;
    }, "the workflow's lines up to the order's end");
    expect(workflowLines.map((l) => l.msg)).toEqual(expect.arrayContaining(last));
    for (const l of workflowLines) expect(l).toMatchObject({ runId: body.runId, traceId });
    // The API's request line for that POST.
    const request = jsonLines(stack.api.output()).find((l) => l.traceId === traceId && l.route === '/orders');
    expect(request).toMatchObject({ method: 'POST', status: 202 });
    expect(request?.requestId).toEqual(expect.any(String) as unknown);
    expect(request?.durationMs).toEqual(expect.any(Number));
  });
});

describe('searchable runs, links and timelines', () => {
  it('GET /orders finds orders by customer and by status once visibility catches up', async () => {
    const customerId = `cus-${randomUUID().slice(0, 8)}`;
    const other = `cus-${randomUUID().slice(0, 8)}`;
    const good = await place({ customerId });
    const bad = await place({ customerId, items: [{ sku: 'OOS-search', quantity: 1 }] });
    const elsewhere = await place({ customerId: other });
    await Promise.all([good, bad, elsewhere].map((o) => finalState(o.body.orderId)));

    type Page = { orders: { orderId: string; customerId?: string; status?: string; links: { temporalUi: string } }[]; nextPageToken?: string };
    const search = async (query: string) => {
      const res = await stack.call(`/orders?${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as Page;
    };
    const ids = (page: Page) => page.orders.map((o) => o.orderId).sort();
    const mine = await eventually(async () => {
      const page = await search(`customerId=${customerId}`);
      return page.orders.length === 2 && page.orders.every((o) => o.status === 'completed' || o.status === 'failed') ? page : undefined;
    }, 'both orders of the customer, final, in visibility');
    expect(ids(mine)).toEqual([good.body.orderId, bad.body.orderId].sort());
    expect(mine.orders.every((o) => o.customerId === customerId && o.links.temporalUi.includes('/workflows/order-'))).toBe(true);
    expect(ids(await search(`customerId=${customerId}&status=failed`))).toEqual([bad.body.orderId]);
    expect(ids(await search(`customerId=${customerId}&status=completed`))).toEqual([good.body.orderId]);
    expect(ids(await search(`customerId=${other}`))).toEqual([elsewhere.body.orderId]);

    // Pages: one order per page, the second page through the token.
    const first = await search(`customerId=${customerId}&pageSize=1`);
    expect(first.orders).toHaveLength(1);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await search(`customerId=${customerId}&pageSize=1&nextPageToken=${first.nextPageToken}`);
    expect([...ids(first), ...ids(second)].sort()).toEqual(ids(mine));
    // A value that would break out of the query string is only a value.
    expect((await stack.call(`/orders?customerId=${encodeURIComponent('x" OR WorkflowType != "y')}`)).status).toBe(400);
    expect((await stack.call('/orders?pageSize=1000')).status).toBe(400);
  });

  it('GET /orders/{id} links to the run; its timeline lists each step and compensation from the history', async () => {
    const { body } = await place({ items: [{ sku: 'OOS-timeline', quantity: 1 }] });
    const state = await finalState(body.orderId);
    expect(state.links).toEqual({ self: `/orders/${body.orderId}`, temporalUi: body.links.temporalUi });
    const res = await stack.call(`/orders/${body.orderId}/timeline`);
    expect(res.status).toBe(200);
    const timeline = (await res.json()) as {
      runId: string;
      steps: {
        name: string;
        outcome: string;
        compensation: boolean;
        attempts: number;
        durationMs?: number;
        startedAt?: string;
        finishedAt?: string;
        error?: string;
      }[];
    };
    expect(timeline.runId).toBe(body.runId);
    // The failure is stored encoded in the history; the timeline shows its words, decoded with the API's keys.
    const refused = timeline.steps.find((s) => s.name === 'reserveInventory');
    expect(refused?.error).toMatch(/inventory/i);
    expect(refused?.error).not.toContain('Encoded failure');
    // v6 reads the payment's record while it reserves; once the stock is refused the read is cancelled, not
    // waited for, so it may have answered, been cancelled, or still be on its way when the order closed.
    const read = timeline.steps.filter((s) => s.name === 'getPayment');
    expect(read).toHaveLength(1);
    expect(read[0]?.compensation).toBe(false);
    const steps = timeline.steps.filter((s) => s.name !== 'getPayment');
    expect(steps.map((s) => [s.name, s.outcome, s.compensation])).toEqual([
      ['authorizePayment', 'completed', false],
      ['reserveInventory', 'failed', false],
      ['refundPayment', 'completed', true],
    ]);
    for (const step of steps) {
      expect(step.attempts).toBeGreaterThanOrEqual(1);
      expect(step.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(step.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(step.startedAt as string));
    }
    expect((await stack.call(`/orders/${uniqueOrderId('none')}/timeline`)).status).toBe(404);
  });
});
