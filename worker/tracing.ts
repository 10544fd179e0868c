// The worker's part of one trace per request: the SDK's OpenTelemetry interceptors continue the
// trace context that the API's client put into the workflow's headers, in the workflow (spans made
// in the sandbox leave through the `exporter` sink) and in each activity (whose undici calls then
// carry `traceparent` to the services). Log lines of activities and workflows get its trace ID.
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptors, WorkerOptions } from '@temporalio/worker';
import type { Telemetry } from '../lib/telemetry';

/** The SDK's workflow interceptors for OpenTelemetry; bundled into the workflow code. */
export const otelWorkflowInterceptorModule = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

interface TraceIds {
  traceId: string;
  spanId: string;
}

function activeIds(): TraceIds | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : undefined;
}

/**
 * Puts the activity's trace and span IDs on every line its logger writes, the SDK's own "Activity
 * failed" included (written after the activity's span has ended, when no span is active any more).
 * Must come after OpenTelemetryActivityInboundInterceptor, so that it runs inside the activity's span.
 */
export function activityTraceLogs(_ctx: ActivityContext): ActivityInterceptors {
  let ids: TraceIds | undefined;
  return {
    inbound: {
      execute(input, next) {
        ids = activeIds();
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        const current = activeIds() ?? ids;
        return next(current ? { ...input, ...current } : input);
      },
    },
  };
}

export type TracingOptions = Pick<WorkerOptions, 'sinks'> & {
  interceptors: NonNullable<WorkerOptions['interceptors']>;
  /** Whether workflows need the traced bundle (worker/workflow-source.ts). */
  traced: boolean;
};

/**
 * Interceptors and sinks for a worker. With tracing off, the worker runs the untraced bundle, and the
 * exporter sink is still registered (a no-op) for a traced bundle given without its untraced sibling.
 */
export function workerTracing(telemetry: Telemetry | undefined, options: { bundled: boolean }): TracingOptions {
  const enabled = telemetry?.enabled === true && telemetry.spanProcessor !== undefined;
  const processor = enabled && telemetry.spanProcessor ? telemetry.spanProcessor : new NoopSpanProcessor();
  const sinks = telemetry ? { exporter: makeWorkflowExporter(processor, telemetry.resource) } : undefined;
  if (!enabled) return { interceptors: {}, traced: false, ...(sinks && { sinks }) };
  return {
    traced: true,
    interceptors: {
      activity: [
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
        activityTraceLogs,
      ],
      // A prebuilt bundle has them already (worker/build-bundle.ts); the SDK ignores them then.
      ...(!options.bundled && { workflowModules: [otelWorkflowInterceptorModule] }),
    },
    sinks,
  };
}
