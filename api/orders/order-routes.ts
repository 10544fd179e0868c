// Durable orders (baton-api.md): a documented shape over the same starter as POST /workflows/order
// (api/workflows/starter.ts), plus reading, finding, cancelling and resolving an order.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrderStatus } from '../../contracts';
import {
  FINAL_ORDER_STATUSES,
  Id,
  orderDefinition,
  orderSignals,
  orderWorkflow,
  SEARCHABLE_ORDER_STATUSES,
  type OrderState as OrderStateType,
} from '../../contracts';
import type { AppConfig } from '../http/deps';
import { Links, temporalUiLink } from '../http/links';
import { json } from '../http/openapi-names';
import { failureMessage } from '../http/failure-messages';
import { errorsFor, problems } from '../http/problems';
import { requestKey } from '../http/request-key';
import { createRouter } from '../http/router';
import type { StartWorkflow } from '../workflows/starter';
import { preferredWait, withWaitDeadline } from '../workflows/workflow-runs';
import { findOrders } from './find-orders';
import { readOrder } from './order-reads';
import { activityFailuresOf, timelineOf } from './order-timeline';
import { OrderAccepted, OrderRequest, OrderState, ResolveRequest, OrderIdParam } from './schemas';

/** With `Prefer: wait`, the answer carries the order's state as of the payment's authorization. */
const OrderAcceptedWithState = OrderAccepted.extend({
  state: OrderState.optional().describe('With `Prefer: wait`: the order once its payment was authorized (or refused)'),
}).openapi('OrderAcceptedWithState');

const PreferHeader = z.object({
  prefer: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: '`wait=N` (at most 30): answer 200 with the state once the payment is authorized, if within N seconds' }),
});

const create = createRoute({
  method: 'post',
  path: '/orders',
  tags: ['orders'],
  summary: 'Place an order: starts its saga, or returns the one already started for this orderId',
  security: [{ bearer: [] }],
  request: { headers: PreferHeader, body: { required: true, content: { 'application/json': { schema: OrderRequest } } } },
  responses: {
    200: json(
      OrderAcceptedWithState,
      'An order with this orderId exists already (nothing new was started), or, with `Prefer: wait`, its payment is authorized',
    ),
    202: json(OrderAcceptedWithState, 'Started'),
    ...errorsFor(400, 401, 413, 503),
  },
});

/** OrderState plus links to its run (additive: clients of OrderState are unaffected). */
const OrderStateWithLinks = OrderState.extend({
  links: Links.describe("The order, and its run's page in the Temporal Web UI (history, inputs, search attributes)"),
}).openapi('OrderStateWithLinks');

const get = createRoute({
  method: 'get',
  path: '/orders/{orderId}',
  tags: ['orders'],
  summary: "The order's state, while its saga runs and after it has closed",
  security: [{ bearer: [] }],
  request: { params: OrderIdParam },
  responses: {
    200: json(OrderStateWithLinks, 'The order'),
    ...errorsFor(400, 401, 404, 503),
  },
});

const ListQuery = z.object({
  customerId: Id.optional().openapi({ param: { name: 'customerId', in: 'query' }, example: 'cus-9' }),
  status: z
    .enum(SEARCHABLE_ORDER_STATUSES, {
      error: () =>
        `one of ${SEARCHABLE_ORDER_STATUSES.join(', ')}: orders are found by the statuses that last (received is in flight: authorizing, reserving or shipping)`,
    })
    .optional()
    .openapi({ param: { name: 'status', in: 'query' } }),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: 'pageSize', in: 'query' } }),
  nextPageToken: z
    .string()
    .max(2000)
    .optional()
    .openapi({ param: { name: 'nextPageToken', in: 'query' } }),
});

const OrderListItem = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    customerId: z.string().optional(),
    status: z
      .string()
      .optional()
      .describe(
        'The OrderStatus search attribute: received (in flight), awaiting_payment, compensating, needs_attention or final; GET /orders/{orderId} has the exact status',
      ),
    startTime: z.string().optional(),
    closeTime: z.string().optional(),
    links: Links,
  })
  .openapi('OrderListItem');

const list = createRoute({
  method: 'get',
  path: '/orders',
  tags: ['orders'],
  summary: 'Find orders by customer and/or status (Temporal visibility, newest first)',
  description:
    'Searches the runs by their `CustomerId` and `OrderStatus` search attributes. Visibility is **eventually consistent**: ' +
    'an order just placed, or a status just changed, appears after a moment (usually well under a second), so poll rather than ' +
    'expect it at once. The status is the one the run last upserted; `GET /orders/{orderId}` is authoritative. ' +
    'Pages hold at most `pageSize` (1–100, default 20) orders; pass `nextPageToken` to read the next one.',
  security: [{ bearer: [] }],
  request: { query: ListQuery },
  responses: {
    200: json(z.object({ orders: z.array(OrderListItem), nextPageToken: z.string().optional() }).openapi('OrderList'), 'One page'),
    ...errorsFor(400, 401, 503),
  },
});

const TimelineEntry = z
  .object({
    name: z.string().describe('The activity: authorizePayment, reserveInventory, createShipment, refundPayment, ...'),
    activityId: z.string(),
    attempts: z.number().int(),
    scheduledAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional().describe('From the start of the last attempt to the end'),
    outcome: z.enum(['scheduled', 'running', 'completed', 'failed', 'timed_out', 'cancelled']),
    compensation: z.boolean().describe("An undo (refund, release, cancel) or a repeat of a step's request made to learn what to undo"),
    error: z.string().optional(),
  })
  .openapi('OrderTimelineEntry');

const timeline = createRoute({
  method: 'get',
  path: '/orders/{orderId}/timeline',
  tags: ['orders'],
  summary: "The order's steps as its run's event history records them: attempts, start, end, duration, outcome",
  security: [{ bearer: [] }],
  request: { params: OrderIdParam },
  responses: {
    200: json(
      z.object({ orderId: z.string(), workflowId: z.string(), runId: z.string(), steps: z.array(TimelineEntry), links: Links }).openapi('OrderTimeline'),
      'The timeline',
    ),
    ...errorsFor(400, 401, 404, 503),
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/orders/{orderId}/cancel',
  tags: ['orders'],
  summary: 'Stop the saga where it is and undo what it did',
  security: [{ bearer: [] }],
  request: { params: OrderIdParam },
  responses: {
    202: json(OrderAccepted, 'Cancellation requested'),
    ...errorsFor(400, 401, 404, 409, 503),
  },
});

const resolve = createRoute({
  method: 'post',
  path: '/orders/{orderId}/resolve',
  tags: ['orders'],
  summary: "An operator's answer to an order in needs_attention: retry the failed compensations, or abandon them",
  security: [{ bearer: [] }],
  request: { params: OrderIdParam, body: { required: true, content: { 'application/json': { schema: ResolveRequest } } } },
  responses: {
    202: json(OrderAccepted, 'Passed on to the order'),
    ...errorsFor(400, 401, 404, 409, 503),
  },
});

function accepted(config: AppConfig, orderId: string, workflowId: string, runId: string, status: OrderStatus): OrderAccepted {
  return { orderId, workflowId, runId, status, links: { self: `/orders/${orderId}`, temporalUi: temporalUiLink(config, workflowId, runId) } };
}

/** The order closed between reading its state and acting on it: as if it had been closed before. */
async function closedMeansConflict(orderId: string, act: () => Promise<unknown>): Promise<void> {
  try {
    await act();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw problems.conflict(`Order ${orderId} has just ended.`);
    throw err;
  }
}

export function orderRoutes(start: StartWorkflow) {
  return createRouter()
    .openapi(create, async (c) => {
      const { config, temporal } = c.var.deps;
      const order = c.req.valid('json');
      const wait = preferredWait(c.req.valid('header').prefer);
      const run = await start(c.var.deps, orderDefinition, { input: order, key: requestKey(c.var.requestId), wait });
      c.header('Location', `/orders/${order.orderId}`);
      if (wait !== undefined) c.header('Preference-Applied', `wait=${wait}`);
      // The order's own status: a new run is `received`; an existing one, or one waited for, is read
      // (the early-return update answers with it; the read gets a fresh deadline after a wait).
      const state =
        (run.early as OrderStateType | undefined) ??
        (run.existing || wait !== undefined
          ? (await withWaitDeadline(temporal.connection, wait, config.temporalDeadlineMs, () => readOrder(temporal.client, order.orderId))).state
          : undefined);
      const body = accepted(config, order.orderId, run.workflowId, run.runId, state?.status ?? 'received');
      return c.json(wait === undefined ? body : { ...body, state }, run.existing || run.answered ? 200 : 202);
    })
    .openapi(get, async (c) => {
      const { orderId } = c.req.valid('param');
      const { config, temporal } = c.var.deps;
      const { state, workflowId, runId } = await readOrder(temporal.client, orderId);
      return c.json({ ...state, links: { self: `/orders/${orderId}`, temporalUi: temporalUiLink(config, workflowId, runId) } }, 200);
    })
    .openapi(list, async (c) => {
      const { config, temporal } = c.var.deps;
      const query = c.req.valid('query');
      return c.json(await findOrders(temporal.client, config, query), 200);
    })
    .openapi(timeline, async (c) => {
      const { orderId } = c.req.valid('param');
      const { config, temporal } = c.var.deps;
      // The latest run of the order's ID; WorkflowNotFoundError (404) when there is none.
      const handle = temporal.client.workflow.getHandle(orderWorkflow.workflowId(orderId));
      const { runId } = await handle.describe();
      const history = await temporal.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      // Failures are stored encoded: decode their messages with the client's keys before they are shown.
      const failures = activityFailuresOf(history);
      const messages = new Map(await Promise.all(failures.map(async (f) => [f, await failureMessage(temporal.client, f)] as const)));
      return c.json(
        {
          orderId,
          workflowId: handle.workflowId,
          runId,
          steps: timelineOf(history, (failure) => messages.get(failure)),
          links: { self: `/orders/${orderId}`, temporalUi: temporalUiLink(config, handle.workflowId, runId) },
        },
        200,
      );
    })
    .openapi(cancel, async (c) => {
      const { config, temporal } = c.var.deps;
      const { orderId } = c.req.valid('param');
      const order = await readOrder(temporal.client, orderId);
      if (!order.open || FINAL_ORDER_STATUSES.includes(order.state.status)) {
        throw problems.conflict(`Order ${orderId} has already ended (${order.state.status}); there is nothing to cancel.`);
      }
      await closedMeansConflict(orderId, () => temporal.client.workflow.getHandle(order.workflowId).cancel());
      return c.json(accepted(config, orderId, order.workflowId, order.runId, order.state.status), 202);
    })
    .openapi(resolve, async (c) => {
      const { config, temporal } = c.var.deps;
      const { orderId } = c.req.valid('param');
      const { action } = c.req.valid('json');
      const order = await readOrder(temporal.client, orderId);
      if (!order.open || order.state.status !== 'needs_attention') {
        throw problems.conflict(`Order ${orderId} is ${order.state.status}, not needs_attention; there is nothing to resolve.`);
      }
      await closedMeansConflict(orderId, () => temporal.client.workflow.getHandle(order.workflowId).signal(orderSignals.resolve, { action }));
      return c.json(accepted(config, orderId, order.workflowId, order.runId, order.state.status), 202);
    });
}
