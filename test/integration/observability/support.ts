// What the observability tests need around Baton's real processes: an in-test OTLP/HTTP receiver
// (the exporters of the child processes send it JSON), a Prometheus text parser, and the whole stack
// (sample services, worker, API) as child processes that export to the receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_ENV, SERVICE_NAMES, type ServiceName } from '../../../config/env';
import { freePort } from '../../../dev/ports';
import { apiCaller, TEST_METRICS_TOKEN, TEST_TOKEN, TEST_WEBHOOK_SECRET, type ApiCall } from '../../support/api';
import { type ChildHandle, serviceUrlEnv, startApiChild, startChild, WORKER_READY } from '../../support/processes';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
}

export const SpanKindCode = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

const valueOf = (v: OtlpValue | undefined): unknown => v?.stringValue ?? v?.intValue ?? v?.boolValue ?? v?.doubleValue;
const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Every request body that was not OTLP JSON (should stay empty). */
  rejected: string[];
  close(): Promise<void>;
}

/** A tiny OTLP/HTTP trace receiver for the JSON encoding (the default of exporter-trace-otlp-http 0.57). */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
        rejected.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
        res.writeHead(415).end();
        return;
      }
      try {
        const body = JSON.parse(text) as OtlpRequest;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const name = attributesOf(resourceSpans.resource?.attributes)['service.name'];
          const service = typeof name === 'string' ? name : '';
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId && { parentSpanId: span.parentSpanId }),
                name: span.name,
                kind: span.kind,
                service,
                startNs: BigInt(span.startTimeUnixNano),
                endNs: BigInt(span.endTimeUnixNano),
                attributes: attributesOf(span.attributes),
              });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        rejected.push(text.slice(0, 200));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `check` returns a value (not undefined) or time runs out. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Stack {
  services: ChildHandle;
  worker: ChildHandle;
  api: ChildHandle;
  apiUrl: string;
  serviceUrls: Record<ServiceName, string>;
  workerMetricsUrl: string;
  call: ApiCall;
  stop(): Promise<void>;
}

/** JSON lines a child printed (pino), parsed; other output skipped. */
export function jsonLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut in two by the pipe; the next read completes it
    }
  }
  return lines;
}

/** Services, worker and API as real child processes, each exporting its spans to `otlpUrl`. */
export async function startStack(options: { address: string; namespace: string; taskQueue: string; otlpUrl: string }): Promise<Stack> {
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpUrl, OTEL_BSP_SCHEDULE_DELAY: '100' };
  const freePorts = Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICE_ENV[name].portVar, '0']));
  const services = startChild('dev/services/main.ts', { ...freePorts, ...otel });
  const serviceUrls = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) {
    const line = await services.waitFor(new RegExp(`${name} listening on http://127\\.0\\.0\\.1:\\d+`), 30_000);
    serviceUrls[name] = line.slice(line.indexOf('http://'));
  }
  const urlEnv = serviceUrlEnv(serviceUrls);
  const temporal = { TEMPORAL_ADDRESS: options.address, TEMPORAL_NAMESPACE: options.namespace, TEMPORAL_TASK_QUEUE: options.taskQueue };
  const metricsPort = await freePort();
  const worker = startChild('worker/main.ts', {
    ...temporal,
    ...urlEnv,
    ...otel,
    BATON_HTTP_TIMEOUT_MS: '2000',
    BATON_WORKER_METRICS_PORT: String(metricsPort),
  });
  const { handle: api, url: apiUrl } = await startApiChild({
    ...temporal,
    ...urlEnv,
    ...otel,
    PORT: '0',
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    BATON_METRICS_TOKEN: TEST_METRICS_TOKEN,
  });
  await worker.waitFor(WORKER_READY, 60_000);
  return {
    services,
    worker,
    api,
    apiUrl,
    serviceUrls,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    call: apiCaller(() => apiUrl),
    async stop() {
      await api.stop();
      await worker.stop();
      await services.stop();
    },
  };
}
