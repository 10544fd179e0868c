// OpenTelemetry tracing for one process (API, worker or sample services): a tracer provider named
// after the process (OTEL_SERVICE_NAME wins), W3C trace context propagation, spans for every outgoing
// undici call (instrumentation-undici injects `traceparent`), and an exporter:
//   - OTLP/HTTP (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set;
//   - the `exporter` given (tests pass an InMemorySpanExporter);
//   - otherwise none: tracing is off and costs nothing (the global no-op tracer stays in place).
import { context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { redactUrl } from './redact';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  /** service.name of this process's spans, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** Export here instead of OTLP (tests: an InMemorySpanExporter); spans are exported one by one. */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** False when no exporter is configured: no provider is registered and nothing is recorded. */
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly resource: Resource;
  /** Where finished spans go; the worker hands it to the workflow span sink too. Undefined when off. */
  readonly spanProcessor: SpanProcessor | undefined;
  tracer(name?: string): Tracer;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and unregisters the instrumentation. */
  shutdown(): Promise<void>;
}

let current: Telemetry | undefined;

/** The process's telemetry once started (undefined before). */
export function activeTelemetry(): Telemetry | undefined {
  return current;
}

export function otlpEndpointConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Sets up tracing for this process; call once, before the servers and clients it should trace start. */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const serviceName = env.OTEL_SERVICE_NAME || options.serviceName;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  const tracer = (name = serviceName) => trace.getTracer(name);

  let spanProcessor: SpanProcessor | undefined;
  if (options.exporter) spanProcessor = new SimpleSpanProcessor(options.exporter);
  else if (otlpEndpointConfigured(env)) spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());

  if (!spanProcessor) {
    current = { enabled: false, serviceName, resource, spanProcessor, tracer, flush: async () => {}, shutdown: async () => {} };
    return current;
  }

  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    // Spans for outgoing calls made inside a traced operation only, never a root span of their own
    // (health probes, the exporter, test scaffolding).
    instrumentations: [
      new UndiciInstrumentation({
        requireParentforSpans: true,
        // Outgoing calls to a callback URL carry its token in the query: never in a span.
        requestHook: (span, request) => {
          if (!/[?&]token=/.test(request.path)) return;
          const full = redactUrl(new URL(request.path, request.origin).toString());
          span.setAttributes({ 'url.full': full, 'url.query': new URL(full).search });
        },
      }),
    ],
  });
  const processor = spanProcessor;
  current = {
    enabled: true,
    serviceName,
    resource,
    spanProcessor,
    tracer,
    flush: () => processor.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      if (current?.spanProcessor === processor) current = undefined;
    },
  };
  return current;
}

/** The trace ID of the active span, for log lines; undefined outside a (sampled or not) trace. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

export function traceIdOf(span: Span | undefined): string | undefined {
  const spanContext = span?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
