// Baton's own durable side as composition sources: an order's state and a customer's orders in flight,
// read from Temporal and answered like a downstream service (an HttpOutcome), so that a composition can
// put them beside what the services say, and Temporal being away fails that source, never the answer.
import { z } from '@hono/zod-openapi';
import { isGrpcDeadlineError, WorkflowNotFoundError, type Client, type Connection } from '@temporalio/client';
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import { OrderState, OrderStatus, StepName } from '../../contracts';
import type { Cancellable } from '../../composition/call-scope';
import type { GetOptions, HttpOutcome } from '../../composition/downstream-http';
import { BATON_SOURCE, endpoint } from '../../composition/endpoint';
import type { BatonSources } from '../../composition/engine';
import { DEFAULT_BREAKER, DEFAULT_RETRY, servicePolicy, type BreakerOptions } from '../../composition/resilience';
import { CancelledCall, DEADLINE_EXCEEDED, TransientFailure } from '../../composition/source-failures';
import { documented } from '../http/openapi-names';
import { orderFromExecution, orderSearchQuery, visibilityLiteral } from '../orders/find-orders';
import { currentStep, readOrder, readRunningOrder } from '../orders/order-reads';

export const DEFAULT_IN_FLIGHT_LIMIT = 5;
export const MAX_IN_FLIGHT_LIMIT = 20;

export const InFlightOrder = z
  .object({
    orderId: z.string(),
    status: documented(OrderStatus, { description: "The order's status, as its state says" }),
    currentStep: documented(StepName.nullable(), { description: 'The step running now, or the last one the order ran; null before the first' }),
    startTime: z.string().optional().openapi({ description: 'When the order was placed (ISO 8601)' }),
  })
  .openapi('InFlightOrder');
export type InFlightOrder = z.infer<typeof InFlightOrder>;

/** One order's state, as GET /orders/{orderId} answers it; no such order is an answer (null), not a failure. */
export const orderState = endpoint({
  service: BATON_SOURCE,
  path: '/orders/{orderId}',
  response: OrderState,
  absentOn404: true,
});

/** A customer's orders whose workflow is still running, newest first, each with the step it is in. */
export const ordersInFlight = endpoint({
  service: BATON_SOURCE,
  path: '/customers/{customerId}/orders-in-flight',
  query: z.object({ limit: z.number().int().min(1).max(MAX_IN_FLIGHT_LIMIT).optional() }),
  response: z.object({ orders: z.array(InFlightOrder) }),
});

/** The visibility query for a customer's orders still running. */
export const inFlightQuery = (customerId: string): string => `${orderSearchQuery({ customerId })} AND ExecutionStatus = ${visibilityLiteral('Running')}`;

async function readOrdersInFlight(client: Client, customerId: string, limit: number): Promise<{ orders: InFlightOrder[] }> {
  const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query: inFlightQuery(customerId), pageSize: limit });
  // Visibility lists open runs newest first already; sorting the page keeps that true whatever the store.
  const runs = (page.executions ?? [])
    .map(orderFromExecution)
    .sort((a, b) => (b.startTime ?? '').localeCompare(a.startTime ?? ''))
    .slice(0, limit);
  const orders = await Promise.all(
    runs.map(async (run): Promise<InFlightOrder> => {
      const state = await readRunningOrder(client, run.orderId);
      return {
        orderId: run.orderId,
        // The state's own status: the search attribute names only the statuses a person searches by.
        status: state.status,
        currentStep: currentStep(state) ?? null,
        ...(run.startTime && { startTime: run.startTime }),
      };
    }),
  );
  return { orders };
}

type Read = (client: Client) => Promise<unknown>;

/** The read behind one of the two paths the endpoints above build; any other path is a bug in a composition. */
function readFor(path: string): Read {
  const url = new URL(path, 'http://baton.invalid');
  const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
  const [first, id, last] = segments;
  if (first === 'orders' && segments.length === 2 && id && !url.search) {
    return async (client) => (await readOrder(client, id)).state;
  }
  if (first === 'customers' && segments.length === 3 && id && last === 'orders-in-flight') {
    const params = [...url.searchParams.keys()];
    const raw = url.searchParams.get('limit');
    const limit = raw === null ? DEFAULT_IN_FLIGHT_LIMIT : Number(raw);
    if (params.some((name) => name !== 'limit') || !Number.isInteger(limit) || limit < 1 || limit > MAX_IN_FLIGHT_LIMIT) {
      throw new Error(`bad query for the baton source ${path}`);
    }
    return (client) => readOrdersInFlight(client, id, limit);
  }
  throw new Error(`no baton source answers ${path}`);
}

const TIMEOUT: HttpOutcome = { kind: 'failed', reason: 'timeout' };
const UNAVAILABLE: HttpOutcome = { kind: 'failed', reason: 'unavailable' };
const CANCELLED_CALL: HttpOutcome = { kind: 'cancelled' };
const NOT_FOUND: HttpOutcome = { kind: 'not_found' };
const CIRCUIT_OPEN: HttpOutcome = { kind: 'failed', reason: 'circuit_open' };
/** Reads of Temporal at once from one API process; compositions are bounded before this anyway. */
const READS_AT_ONCE = 256;

/**
 * What a failed read means. Out of time is a timeout only when Temporal was there to ask: a channel
 * that never connected in the call's budget (nothing listens, the host is gone) is Temporal unavailable.
 */
function outcomeOf(err: unknown, connected: boolean): HttpOutcome {
  if (err instanceof WorkflowNotFoundError) return NOT_FOUND;
  if (isGrpcDeadlineError(err)) return connected ? TIMEOUT : UNAVAILABLE;
  return UNAVAILABLE;
}

/** The SDK's own wait for its channel to be ready (Connection.untilReady, public in JavaScript, protected in its typings). */
const untilReady = (connection: Connection, deadline: number): Promise<void> =>
  (connection as unknown as { untilReady(deadline: number): Promise<void> }).untilReady(deadline);

/** One read: the first of its answer, its own timer and the composition's scope settles it. */
class TemporalCall implements Cancellable {
  readonly #abort = new AbortController();
  #settled = false;
  #resolve: (outcome: HttpOutcome) => void = () => undefined;
  readonly outcome = new Promise<HttpOutcome>((resolve) => (this.#resolve = resolve));
  /** Set once the channel to Temporal is ready during this call. */
  connected = false;

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  settle(outcome: HttpOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(outcome);
    // Whatever is still on the wire is nobody's answer any more.
    this.#abort.abort();
  }

  cancel(reason: symbol): void {
    this.settle(reason === DEADLINE_EXCEEDED ? TIMEOUT : CANCELLED_CALL);
  }
}

export interface BatonSourcesOptions {
  /** The circuit breaker of Temporal as a source, like each downstream service's (BATON_BREAKER_*). */
  breaker?: Partial<BreakerOptions>;
}

/**
 * Answers the `baton` endpoints from Temporal through the API's client. Nothing is dialled until a
 * composition asks, so the API starts and serves its other compositions while Temporal is down. Temporal
 * has a circuit breaker of its own, like every service: once it is down, those sources fail at once
 * (`circuit_open`) instead of each spending its budget on a server that is not there.
 */
export function createBatonSources(temporal: { client: Client; connection: Connection }, options: BatonSourcesOptions = {}): BatonSources {
  const { client, connection } = temporal;
  const policy = servicePolicy({ ...DEFAULT_BREAKER, ...options.breaker }, { ...DEFAULT_RETRY, retries: 0 }, READS_AT_ONCE);

  async function readOnce(read: Read, options: GetOptions): Promise<HttpOutcome> {
    const { scope, timeoutMs } = options;
    const call = new TemporalCall();
    scope?.add(call);
    const deadline = Date.now() + timeoutMs;
    // Whether Temporal answered the phone at all: tells "too slow" from "not there" when time runs out.
    void untilReady(connection, deadline).then(
      () => {
        call.connected = true;
      },
      () => undefined,
    );
    // The SDK retries an unreachable server with back-off and sees its deadline only when the next try is
    // due, so the budget is kept here too.
    const timer = setTimeout(() => call.settle(call.connected ? TIMEOUT : UNAVAILABLE), timeoutMs);
    void connection
      .withAbortSignal(call.signal, () => connection.withDeadline(deadline, () => read(client)))
      .then(
        (body) => call.settle({ kind: 'ok', body }),
        (err: unknown) => call.settle(outcomeOf(err, call.connected)),
      );
    try {
      return await call.outcome;
    } finally {
      clearTimeout(timer);
      scope?.delete(call);
    }
  }

  return {
    async get(path: string, options: GetOptions): Promise<HttpOutcome> {
      const read = readFor(path);
      const { scope, timeoutMs } = options;
      if (scope?.reason !== undefined) return scope.reason === DEADLINE_EXCEEDED ? TIMEOUT : CANCELLED_CALL;
      if (!(timeoutMs > 0)) return TIMEOUT;
      try {
        // The breaker counts what says Temporal is unwell (unreachable, too slow); a missing order or a
        // read the composition abandoned says nothing about it.
        return await policy.execute(async () => {
          const outcome = await readOnce(read, options);
          if (outcome.kind === 'cancelled') throw new CancelledCall();
          if (outcome.kind === 'failed') throw new TransientFailure(outcome.reason === 'timeout' ? 'timeout' : 'unavailable', false);
          return outcome;
        });
      } catch (err) {
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) return CIRCUIT_OPEN;
        if (err instanceof TransientFailure) return err.reason === 'timeout' ? TIMEOUT : UNAVAILABLE;
        if (err instanceof CancelledCall) return CANCELLED_CALL;
        throw err;
      }
    },
  };
}
