// Pure parts of observability: the timeline read from an event history, the visibility query with
// escaped values, and the one spelling of IDs on the worker's log lines.
import { describe, expect, it } from 'vitest';
import { orderSearchQuery, visibilityLiteral } from '../../../api/orders/find-orders';
import { timelineOf } from '../../../api/orders/order-timeline';
import { startTelemetry } from '../../../lib/telemetry';
import { normaliseMeta } from '../../../worker/sdk-logger';

const at = (second: number) => ({ seconds: 1_700_000_000 + second, nanos: 0 });
type History = Parameters<typeof timelineOf>[0];

describe('timelineOf', () => {
  it('pairs each scheduled activity with its start and end, and tells compensations apart', () => {
    const history = {
      events: [
        { eventId: 1, eventTime: at(0), workflowExecutionStartedEventAttributes: {} },
        { eventId: 5, eventTime: at(1), activityTaskScheduledEventAttributes: { activityId: '1', activityType: { name: 'authorizePayment' } } },
        {
          eventId: 6,
          eventTime: at(2),
          activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 3, lastFailure: { message: 'payments: unreachable' } },
        },
        { eventId: 7, eventTime: at(4), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
        { eventId: 11, eventTime: at(5), activityTaskScheduledEventAttributes: { activityId: '2', activityType: { name: 'reserveInventory' } } },
        { eventId: 12, eventTime: at(5), activityTaskStartedEventAttributes: { scheduledEventId: 11, attempt: 1 } },
        {
          eventId: 13,
          eventTime: at(6),
          activityTaskFailedEventAttributes: { scheduledEventId: 11, failure: { message: 'Activity task failed', cause: { message: 'out of stock' } } },
        },
        { eventId: 17, eventTime: at(7), activityTaskScheduledEventAttributes: { activityId: '3', activityType: { name: 'authorizePayment' } } },
        { eventId: 18, eventTime: at(7), activityTaskTimedOutEventAttributes: { scheduledEventId: 17, failure: { message: 'activity timeout' } } },
        { eventId: 21, eventTime: at(8), activityTaskScheduledEventAttributes: { activityId: '4', activityType: { name: 'refundPayment' } } },
      ],
    } as unknown as History;
    expect(timelineOf(history)).toEqual([
      {
        name: 'authorizePayment',
        activityId: '1',
        attempts: 3,
        scheduledAt: new Date(at(1).seconds * 1000).toISOString(),
        startedAt: new Date(at(2).seconds * 1000).toISOString(),
        finishedAt: new Date(at(4).seconds * 1000).toISOString(),
        durationMs: 2000,
        outcome: 'completed',
        compensation: false,
      },
      expect.objectContaining({
        name: 'reserveInventory',
        attempts: 1,
        outcome: 'failed',
        durationMs: 1000,
        compensation: false,
        error: 'Activity task failed: out of stock',
      }),
      // A step's request repeated while undoing it: part of the compensation; timed out before any attempt.
      expect.objectContaining({ name: 'authorizePayment', attempts: 1, outcome: 'timed_out', durationMs: 0, compensation: true, error: 'activity timeout' }),
      expect.objectContaining({ name: 'refundPayment', attempts: 0, outcome: 'scheduled', compensation: true }),
    ]);
  });
});

describe('order search query', () => {
  it('quotes values and escapes what could end the literal', () => {
    expect(visibilityLiteral('cus-9')).toBe('"cus-9"');
    expect(visibilityLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(orderSearchQuery({ customerId: 'cus-9', status: 'failed' })).toBe('WorkflowType = "order" AND CustomerId = "cus-9" AND OrderStatus = "failed"');
    expect(orderSearchQuery({})).toBe('WorkflowType = "order"');
  });
});

describe('worker log fields', () => {
  it('spells trace, span and run IDs the same way on every line', () => {
    expect(normaliseMeta({ trace_id: 't', span_id: 's', trace_flags: '01', workflowRunId: 'r', activityType: 'a' })).toEqual({
      traceId: 't',
      spanId: 's',
      runId: 'r',
      workflowRunId: 'r',
      activityType: 'a',
    });
    expect(normaliseMeta(undefined)).toEqual({});
  });
});

describe('telemetry', () => {
  it('is off without an exporter or OTEL_EXPORTER_OTLP_ENDPOINT, and named after OTEL_SERVICE_NAME when set', async () => {
    const off = startTelemetry({ serviceName: 'baton-test', env: {} });
    expect(off.enabled).toBe(false);
    expect(off.spanProcessor).toBeUndefined();
    expect(startTelemetry({ serviceName: 'baton-test', env: { OTEL_SERVICE_NAME: 'from-env' } }).serviceName).toBe('from-env');
    const on = startTelemetry({ serviceName: 'baton-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } });
    expect(on.enabled).toBe(true);
    await on.shutdown();
  });
});
