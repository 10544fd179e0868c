// Routes the SDK's own logs (worker lifecycle, workflow and activity loggers) into our pino logger,
// so every line of the worker is one JSON object.
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

const toPino = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * One spelling of the IDs on every line of every process (API, worker): `traceId`/`spanId` (the SDK's
 * OpenTelemetry interceptors write `trace_id`/`span_id`) and `runId` (activity lines say `workflowRunId`).
 */
export function normaliseMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const { trace_id, span_id, trace_flags: _flags, ...rest } = meta ?? {};
  const out: Record<string, unknown> = { ...rest };
  if (out.traceId === undefined && trace_id !== undefined) out.traceId = trace_id;
  if (out.spanId === undefined && span_id !== undefined) out.spanId = span_id;
  if (out.runId === undefined && out.workflowRunId !== undefined) out.runId = out.workflowRunId;
  return out;
}

export function sdkLogger(log: Logger): DefaultLogger {
  // The bundler reports its whole webpack summary at INFO: useful only when debugging.
  const level: LogLevel = log.isLevelEnabled('debug') ? 'DEBUG' : 'INFO';
  return new DefaultLogger(level, ({ level: sdkLevel, message, meta }) => {
    const quiet = message.startsWith('asset workflow-bundle') || message === 'Workflow bundle created';
    log[quiet ? 'debug' : toPino[sdkLevel]](normaliseMeta(meta), message);
  });
}
