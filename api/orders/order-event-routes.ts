// GET /orders/{orderId}/events: an order's progress as Server-Sent Events, for a page that shows it
// live. The current state at once, then one `state` event per change, and `end` with the final state.
// Each event's id is the length of the run's history when it was read, so a client that reconnects with
// Last-Event-ID gets nothing it has seen, and the newest state if anything changed meanwhile. Changes are
// found by looking at the run every `pollMs` (a describe call; the state is read only when it moved), one
// look for every stream open on the order (order-watches.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { OrderState } from '../../contracts';
import type { AppConfig } from '../http/deps';
import { temporalUiLink } from '../http/links';
import { errorsFor, problems } from '../http/problems';
import { createRouter } from '../http/router';
import type { EventStreams } from './event-streams';
import { OrderWatches } from './order-watches';
import { readOrder, type OrderView } from './order-reads';
import { OrderIdParam } from './schemas';

const LastEventId = z.object({
  'last-event-id': z
    .string()
    .max(20)
    .optional()
    .openapi({ description: 'The id of the last event received: only newer states are sent (EventSource sends it when it reconnects)' }),
});

const events = createRoute({
  method: 'get',
  path: '/orders/{orderId}/events',
  tags: ['orders'],
  summary: "The order's progress, live (Server-Sent Events): its state now, every change, then `end` with the final state",
  description:
    'Events: `state` (the order, as `GET /orders/{orderId}` answers it), preceded by one `step`, `compensation` or `status` ' +
    '(`{from, to}`) event per change since the last state sent; `end` (the final state; the stream closes); `shutdown` ' +
    '(this API process is stopping: reconnect with `Last-Event-ID`). At most `BATON_EVENT_STREAMS_PER_CLIENT` streams per client at once (429 beyond).',
  security: [{ bearer: [] }],
  request: { params: OrderIdParam, headers: LastEventId },
  responses: {
    200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorsFor(400, 401, 404, 429, 503),
  },
});

const FINAL = 'end';
const KEEP_ALIVE_MS = 15_000;

export interface EventStreamSettings {
  streams: EventStreams;
  /** How often an open stream looks at its run for changes. */
  pollMs: number;
}

export function orderEventRoutes({ streams, pollMs }: EventStreamSettings) {
  let watches: OrderWatches | undefined;
  return createRouter().openapi(events, async (c) => {
    const { config, temporal, logger } = c.var.deps;
    const { orderId } = c.req.valid('param');
    const lastSeen = Number(c.req.valid('header')['last-event-id'] ?? -1);
    // Read inside the request's deadline: an unknown order is a 404, Temporal away a 503, not a stream.
    const first: OrderView = await readOrder(temporal.client, orderId);
    const release = streams.admit(c.var.rateLimitKey ?? 'anonymous');
    if (!release) throw problems.tooManyStreams(streams.maxPerClient);
    watches ??= new OrderWatches(pollMs, (err, id) => logger.debug({ err, orderId: id }, 'order events: cannot read the order; trying again'));
    const read = () => temporal.connection.withDeadline(Date.now() + config.temporalDeadlineMs, () => readOrder(temporal.client, orderId));
    const watch = watches.subscribe(orderId, read);

    return streamSSE(
      c,
      async (stream) => {
        const stop = new AbortController();
        stream.onAbort(() => stop.abort());
        const onClosing = () => stop.abort();
        streams.closing.addEventListener('abort', onClosing);
        try {
          let view = first;
          let sentVersion = Number.isFinite(lastSeen) ? lastSeen : -1;
          let lastWrite = Date.now();
          let sentState: OrderState | undefined;
          for (;;) {
            if (view.version > sentVersion || !view.open) {
              // Each step and compensation that moved since the last state sent, then the state itself.
              for (const change of sentState ? changesBetween(sentState, view.state) : []) {
                await stream.writeSSE({ event: change.event, id: String(view.version), data: JSON.stringify(change.data) });
              }
              await send(stream, config, orderId, view, view.open ? 'state' : FINAL);
              sentState = view.state;
              sentVersion = view.version;
              lastWrite = Date.now();
            }
            if (!view.open) return;
            // Temporal slow or away for a moment gives no new view: the stream stays and looks again.
            const next = await watch.next(stop.signal);
            // A comment now and then, so that proxies do not take a quiet stream for a dead one.
            if (Date.now() - lastWrite > KEEP_ALIVE_MS && !stop.signal.aborted) {
              await stream.write(': keep-alive\n\n');
              lastWrite = Date.now();
            }
            if (stop.signal.aborted) break;
            if (next) view = next;
          }
          if (streams.closing.aborted && !stream.aborted) await stream.writeSSE({ event: 'shutdown', data: '{}', retry: 1000 });
        } finally {
          streams.closing.removeEventListener('abort', onClosing);
          watch.close();
          release();
        }
      },
      (err) => {
        logger.warn({ err, orderId }, 'order events: stream failed');
        return Promise.resolve();
      },
    );
  });
}

/**
 * What changed between two states of the order, one event per change: `status` (from, to), `step` (a step
 * record that is new or whose status or attempts moved), `compensation` (likewise). Several changes can fall
 * between two looks at the run; each step's record says where it is now, so none is lost.
 */
export function changesBetween(before: OrderState, after: OrderState): { event: 'status' | 'step' | 'compensation'; data: object }[] {
  const changes: { event: 'status' | 'step' | 'compensation'; data: object }[] = [];
  after.steps.forEach((step, i) => {
    const was = before.steps[i];
    if (!was || was.name !== step.name || was.status !== step.status || was.attempts !== step.attempts) changes.push({ event: 'step', data: step });
  });
  for (const compensation of after.compensations) {
    const was = before.compensations.find((c) => c.name === compensation.name);
    if (!was || was.status !== compensation.status || was.attempts !== compensation.attempts) changes.push({ event: 'compensation', data: compensation });
  }
  if (before.status !== after.status) changes.push({ event: 'status', data: { from: before.status, to: after.status } });
  return changes;
}

async function send(stream: SSEStreamingApi, config: AppConfig, orderId: string, view: OrderView, event: string): Promise<void> {
  const links = { self: `/orders/${orderId}`, temporalUi: temporalUiLink(config, view.workflowId, view.runId) };
  await stream.writeSSE({ event, id: String(view.version), data: JSON.stringify({ ...view.state, links }) });
}
