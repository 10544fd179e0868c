// The API's request span, request log line and metrics through createApp, with spans collected by an
// in-memory exporter (lib/telemetry.ts `exporter`) and a Temporal connection that goes nowhere.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import { createApiMetrics, recordComposition } from '../../../api/http/api-metrics';
import { startTelemetry, type Telemetry } from '../../../lib/telemetry';
import { nowhereTemporal, unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';
import { parsePrometheus, sumOf } from '../../../dev/prometheus-text';

const temporal = nowhereTemporal();
const exporter = new InMemorySpanExporter();
const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
let telemetry: Telemetry;
let app: ReturnType<typeof createApp>;

beforeAll(() => {
  telemetry = startTelemetry({ serviceName: 'baton-api-unit', exporter, env: {} });
  app = createApp({ config: unitConfig(), temporal, logger });
});
afterAll(async () => {
  await telemetry.shutdown();
  await temporal.connection.close();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('API request observability', () => {
  it('continues the caller’s traceparent in a SERVER span named after the route pattern', async () => {
    exporter.reset();
    const res = await app.request('/orders', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-trace-id')).toBe(TRACE_ID);
    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]);
    expect(span?.name).toBe('POST /orders');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanId).toBe(PARENT_ID);
    expect(span?.attributes).toMatchObject({ 'http.route': '/orders', 'http.response.status_code': 400, 'http.request.method': 'POST' });
    expect(span?.resource.attributes['service.name']).toBe('baton-api-unit');
  });

  it('starts a new trace without traceparent, marks 5xx as errors, and leaves probes untraced', async () => {
    exporter.reset();
    const res = await app.request('/orders/ord-1', { headers: { authorization: `Bearer ${TOKEN}` } }); // Temporal unreachable: 503
    expect(res.status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(spans.map((s) => s.name)).toEqual(['GET /orders/:orderId']);
    expect(spans[0]?.parentSpanId).toBeUndefined();
    expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('logs one line per request with request ID, trace ID, route pattern, status and duration', async () => {
    lines.length = 0;
    const res = await app.request('/orders/ord-2/cancel', { method: 'POST', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
    expect(res.status).toBe(401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId: res.headers.get('x-request-id'),
      traceId: TRACE_ID,
      method: 'POST',
      route: '/orders/:orderId/cancel',
      path: '/orders/ord-2/cancel',
      status: 401,
    });
    expect(lines[0]?.durationMs).toEqual(expect.any(Number) as unknown);
  });

  it('serves /metrics to an operator token, by route pattern (unmatched for unknown paths), never by raw path', async () => {
    await app.request('/nowhere/at/all', { headers: { authorization: `Bearer ${TOKEN}` } });
    await app.request('/orders', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect((await app.request('/metrics')).status).toBe(401);
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const samples = parsePrometheus(await res.text());
    expect(sumOf(samples, 'baton_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sumOf(samples, 'baton_http_requests_total', { method: 'POST', route: '/orders', status: '400' })).toBeGreaterThanOrEqual(2);
    expect(sumOf(samples, 'baton_http_request_duration_seconds_count', { route: '/orders/:orderId' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.labels.route?.includes('ord-'))).toBe(false);
    // The spec lists it, behind the bearer scheme (docs/security.md: the metrics token or the operator scope).
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, { get?: { security?: unknown } }> };
    expect(doc.paths['/metrics']?.get?.security).toEqual([{ bearer: ['operator'] }]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{orderId}/timeline']));
  });

  it('counts composition outcomes per source and shows each breaker state', async () => {
    const metrics = createApiMetrics();
    const composition = { name: 'profile', sources: [{ name: 'users' }, { name: 'orderHistory' }, { name: 'loyalty' }] };
    recordComposition(metrics, composition, { ok: true, value: { errors: [{ source: 'loyalty', reason: 'timeout' }] } });
    recordComposition(metrics, composition, { ok: false, source: 'users', reason: 'circuit_open' });
    recordComposition(metrics, composition, { ok: false, source: undefined, reason: 'cancelled' });
    metrics.watchCircuits(() => ({ users: 'open', loyalty: 'closed' }));
    const samples = parsePrometheus(await metrics.render());
    const outcome = (source: string, value: string) => sumOf(samples, 'baton_composition_source_total', { composition: 'profile', source, outcome: value });
    expect([outcome('users', 'ok'), outcome('users', 'circuit_open'), outcome('orderHistory', 'ok'), outcome('loyalty', 'timeout')]).toEqual([1, 1, 1, 1]);
    expect(sumOf(samples, 'baton_composition_source_total')).toBe(4);
    expect(sumOf(samples, 'baton_circuit_breaker_state', { downstream: 'users', state: 'open' })).toBe(1);
    expect(sumOf(samples, 'baton_circuit_breaker_state', { downstream: 'users', state: 'closed' })).toBe(0);
    expect(sumOf(samples, 'baton_circuit_breaker_state', { downstream: 'loyalty', state: 'closed' })).toBe(1);
  });
});
