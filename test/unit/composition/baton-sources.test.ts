// The `baton` sources (api/compositions/baton-sources.ts) on the real Temporal client over a fake service:
// what each Temporal answer or failure becomes (an HttpOutcome, never a rejection), the composition's
// scope cancelling a read, and the visibility query behind a customer's orders in flight.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { defaultPayloadConverter } from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { describe, expect, it, vi } from 'vitest';
import { createBatonSources, inFlightQuery, orderState, ordersInFlight } from '../../../api/compositions/baton-sources';
import { CallScope } from '../../../composition/call-scope';
import { CANCELLED, DEADLINE_EXCEEDED } from '../../../composition/source-failures';
import { CustomerIdSearchAttribute, OrderStatusSearchAttribute, type OrderState, type OrderStatus } from '../../../contracts';
import { fakeTemporal } from '../api/fake-temporal';

type Answers = Record<string, (request: unknown) => unknown>;

const grpcError = (code: GrpcStatus, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
const hang = () => new Promise<never>(() => undefined);
const RUNNING = 1;

/**
 * The fake Temporal of the API tests, plus what a real connection does with a read: its deadline, its abort
 * signal, and whether its channel comes up (`reachable: false`: nothing listens, so it never does).
 */
function temporalWith(answers: Answers = {}, options: { reachable?: boolean } = {}) {
  const fake = fakeTemporal(answers);
  const signals: AbortSignal[] = [];
  const deadlines: number[] = [];
  Object.assign(fake.temporal.connection, {
    untilReady: (deadline: number) =>
      options.reachable === false
        ? new Promise((_resolve, reject) => setTimeout(() => reject(new Error('Failed to connect before the deadline')), Math.max(0, deadline - Date.now())))
        : Promise.resolve(),
    withDeadline: <R>(deadline: number, fn: () => Promise<R>) => {
      deadlines.push(deadline);
      return fn();
    },
    withAbortSignal: <R>(signal: AbortSignal, fn: () => Promise<R>) => {
      signals.push(signal);
      return fn();
    },
  });
  return { sources: createBatonSources(fake.temporal), calls: fake.calls, signals, deadlines };
}

const state = (orderId: string, status: OrderStatus, steps: OrderState['steps'] = []): OrderState => ({ orderId, status, steps, compensations: [] });
const step = (name: OrderState['steps'][number]['name'], status: OrderState['steps'][number]['status']) => ({
  name,
  status,
  attempts: 1,
  startedAt: '2025-01-01T10:00:00.000Z',
});
const queryAnswer = (value: OrderState) => ({ queryResult: { payloads: [defaultPayloadConverter.toPayload(value)] } });
const workflowIdOf = (request: unknown) => (request as { execution: { workflowId: string } }).execution.workflowId;

function execution(orderId: string, startSeconds: number, status: OrderStatus | undefined) {
  return {
    execution: { workflowId: `order-${orderId}`, runId: `run-${orderId}` },
    type: { name: 'order' },
    status: RUNNING,
    startTime: msToTs(startSeconds * 1000),
    searchAttributes: {
      indexedFields: encodeUnifiedSearchAttributes(undefined, [
        { key: CustomerIdSearchAttribute, value: 'u-1' },
        ...(status ? [{ key: OrderStatusSearchAttribute, value: status }] : []),
      ]),
    },
  };
}

const inFlightPath = (limit?: number) => ordersInFlight.url({ params: { customerId: 'u-1' }, query: limit === undefined ? {} : { limit } });
const orderPath = orderState.url({ params: { orderId: 'ord-1' } });

describe('orderState', () => {
  it('no such order is not_found, which the endpoint takes for an answer (null), not a failure', async () => {
    const { sources, calls } = temporalWith();
    expect(await sources.get(orderPath, { timeoutMs: 1000 })).toEqual({ kind: 'not_found' });
    expect(calls.map((c) => c.method)).toEqual(['describeWorkflowExecution']);
    expect(orderState.absentOn404).toBe(true);
  });

  it("a running order: the state query's answer, valid for the endpoint", async () => {
    const running = state('ord-1', 'awaiting_payment', [step('authorizePayment', 'completed'), step('awaitPaymentClearance', 'running')]);
    const { sources } = temporalWith({
      describeWorkflowExecution: () => ({
        workflowExecutionInfo: {
          ...execution('ord-1', 1_700_000_000, 'awaiting_payment'),
          taskQueue: 'baton',
          historyLength: { toNumber: () => 12 },
        },
      }),
      queryWorkflow: () => queryAnswer(running),
    });
    const outcome = await sources.get(orderPath, { timeoutMs: 1000 });
    expect(outcome).toEqual({ kind: 'ok', body: running });
    expect(orderState.response.safeParse((outcome as { body: unknown }).body).success).toBe(true);
  });
});

describe('ordersInFlight', () => {
  it("asks visibility for the customer's running orders, as many as the limit (5 by default)", async () => {
    const { sources, calls } = temporalWith();
    expect(await sources.get(inFlightPath(3), { timeoutMs: 1000 })).toEqual({ kind: 'ok', body: { orders: [] } });
    await sources.get(inFlightPath(), { timeoutMs: 1000 });
    expect(calls.map((c) => c.request)).toEqual([
      { namespace: 'default', query: 'WorkflowType = "order" AND CustomerId = "u-1" AND ExecutionStatus = "Running"', pageSize: 3 },
      { namespace: 'default', query: 'WorkflowType = "order" AND CustomerId = "u-1" AND ExecutionStatus = "Running"', pageSize: 5 },
    ]);
    // A literal of the query language, whatever the ID holds.
    expect(inFlightQuery('a"b\\c')).toBe('WorkflowType = "order" AND CustomerId = "a\\"b\\\\c" AND ExecutionStatus = "Running"');
  });

  it('each order newest first, with its status (search attribute) and the step it is in (state query)', async () => {
    const states: Record<string, OrderState> = {
      'order-old': state('old', 'reserving', [step('authorizePayment', 'completed'), step('reserveInventory', 'running')]),
      'order-new': state('new', 'received'),
      'order-unindexed': state('unindexed', 'shipping', [step('createShipment', 'running')]),
    };
    const { sources } = temporalWith({
      listWorkflowExecutions: () => ({
        executions: [
          execution('old', 1_700_000_000, 'reserving'),
          execution('new', 1_700_000_600, 'received'),
          execution('unindexed', 1_600_000_000, undefined),
        ],
      }),
      queryWorkflow: (request) => queryAnswer(states[workflowIdOf(request)] as OrderState),
    });
    const outcome = await sources.get(inFlightPath(), { timeoutMs: 1000 });
    expect(outcome).toEqual({
      kind: 'ok',
      body: {
        orders: [
          { orderId: 'new', status: 'received', currentStep: null, startTime: '2023-11-14T22:23:20.000Z' },
          { orderId: 'old', status: 'reserving', currentStep: 'reserveInventory', startTime: '2023-11-14T22:13:20.000Z' },
          { orderId: 'unindexed', status: 'shipping', currentStep: 'createShipment', startTime: '2020-09-13T12:26:40.000Z' },
        ],
      },
    });
    expect(ordersInFlight.response.safeParse((outcome as { body: unknown }).body).success).toBe(true);
  });

  it('an order no worker has picked up yet is received, with no step', async () => {
    const { sources } = temporalWith({
      listWorkflowExecutions: () => ({ executions: [execution('fresh', 1_700_000_000, 'received')] }),
      queryWorkflow: () => Promise.reject(grpcError(GrpcStatus.FAILED_PRECONDITION, 'workflow has not started its first task')),
    });
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toMatchObject({
      kind: 'ok',
      body: { orders: [{ orderId: 'fresh', status: 'received', currentStep: null }] },
    });
  });
});

describe('when Temporal fails', () => {
  it('unreachable (the server refuses): failed, unavailable', async () => {
    const { sources } = temporalWith({ listWorkflowExecutions: () => Promise.reject(grpcError(GrpcStatus.UNAVAILABLE, 'No connection established')) });
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({ kind: 'failed', reason: 'unavailable' });
  });

  it('unreachable (the channel never comes up while the SDK retries): unavailable once the budget is spent, not a timeout', async () => {
    const { sources, signals } = temporalWith({ listWorkflowExecutions: hang, describeWorkflowExecution: hang }, { reachable: false });
    const started = performance.now();
    expect(await sources.get(inFlightPath(), { timeoutMs: 150 })).toEqual({ kind: 'failed', reason: 'unavailable' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await sources.get(orderPath, { timeoutMs: 50 })).toEqual({ kind: 'failed', reason: 'unavailable' });
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('has a circuit breaker: after five failures in a row, reads fail at once as circuit_open without asking Temporal', async () => {
    const refused = vi.fn(() => Promise.reject(grpcError(GrpcStatus.UNAVAILABLE, 'No connection established')));
    const { sources } = temporalWith({ listWorkflowExecutions: refused });
    for (let i = 0; i < 5; i++) expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({ kind: 'failed', reason: 'unavailable' });
    const started = performance.now();
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({ kind: 'failed', reason: 'circuit_open' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(refused).toHaveBeenCalledTimes(5);
  });

  it('a missing order or an abandoned read does not count against Temporal', async () => {
    const notFound = () => Promise.reject(grpcError(GrpcStatus.NOT_FOUND, 'workflow not found'));
    const { sources } = temporalWith({ queryWorkflow: notFound, describeWorkflowExecution: notFound });
    for (let i = 0; i < 8; i++) expect(await sources.get(orderPath, { timeoutMs: 1000 })).toEqual({ kind: 'not_found' });
  });

  it('connected but too slow: timeout at the budget, and the read is aborted', async () => {
    const { sources, signals, deadlines } = temporalWith({ listWorkflowExecutions: hang });
    const started = Date.now();
    expect(await sources.get(inFlightPath(), { timeoutMs: 150 })).toEqual({ kind: 'failed', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
    // The gRPC deadline of every call the read makes is the budget's end.
    expect(deadlines[0]).toBeGreaterThanOrEqual(started + 150);
    expect(deadlines[0]).toBeLessThanOrEqual(started + 200);
    expect(signals[0]?.aborted).toBe(true);
  });

  it("Temporal's own DEADLINE_EXCEEDED: timeout when it was reachable, unavailable when it never was", async () => {
    const deadline = () => Promise.reject(grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    expect(await temporalWith({ listWorkflowExecutions: deadline }).sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({
      kind: 'failed',
      reason: 'timeout',
    });
    expect(await temporalWith({ listWorkflowExecutions: deadline }, { reachable: false }).sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({
      kind: 'failed',
      reason: 'unavailable',
    });
  });

  it.each([
    ['a gRPC INTERNAL', () => Promise.reject(grpcError(GrpcStatus.INTERNAL, 'boom'))],
    ['a plain error', () => Promise.reject(new Error('socket hang up'))],
    [
      'a throw',
      () =>
        ((): never => {
          throw new TypeError('unexpected');
        })(),
    ],
    ['a missing namespace', () => Promise.reject(grpcError(GrpcStatus.NOT_FOUND, 'Namespace default is not found.'))],
  ])('anything else (%s): unavailable, never a rejection', async (_what, answer) => {
    const { sources } = temporalWith({ listWorkflowExecutions: answer });
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({ kind: 'failed', reason: 'unavailable' });
  });

  it('a state query that cannot reach Temporal fails the whole source', async () => {
    const { sources } = temporalWith({
      listWorkflowExecutions: () => ({ executions: [execution('a', 1_700_000_000, 'reserving')] }),
      queryWorkflow: () => Promise.reject(grpcError(GrpcStatus.UNAVAILABLE, 'No connection established')),
    });
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000 })).toEqual({ kind: 'failed', reason: 'unavailable' });
  });
});

describe("the composition's scope", () => {
  it.each([
    ['its deadline', DEADLINE_EXCEEDED, { kind: 'failed', reason: 'timeout' }],
    ['any other reason', CANCELLED, { kind: 'cancelled' }],
  ] as const)('cancelled for %s: answers at once, aborts the read and leaves the scope', async (_what, reason, expected) => {
    const { sources, signals } = temporalWith({ listWorkflowExecutions: hang });
    const scope = new CallScope();
    const add = vi.spyOn(scope, 'add');
    const remove = vi.spyOn(scope, 'delete');
    const answer = sources.get(inFlightPath(), { timeoutMs: 10_000, scope });
    await vi.waitFor(() => expect(add).toHaveBeenCalledTimes(1));
    const started = performance.now();
    scope.cancel(reason);
    expect(await answer).toEqual(expected);
    expect(performance.now() - started).toBeLessThan(100);
    expect(signals[0]?.aborted).toBe(true);
    expect(remove).toHaveBeenCalledWith(add.mock.calls[0]?.[0]);
  });

  it('already cancelled: no read at all', async () => {
    const { sources, calls } = temporalWith();
    const scope = new CallScope();
    scope.cancel(DEADLINE_EXCEEDED);
    expect(await sources.get(inFlightPath(), { timeoutMs: 1000, scope })).toEqual({ kind: 'failed', reason: 'timeout' });
    const other = new CallScope();
    other.cancel(CANCELLED);
    expect(await sources.get(orderPath, { timeoutMs: 1000, scope: other })).toEqual({ kind: 'cancelled' });
    expect(calls).toEqual([]);
  });

  it('a read that ends leaves the scope too', async () => {
    const { sources } = temporalWith();
    const scope = new CallScope();
    const add = vi.spyOn(scope, 'add');
    const remove = vi.spyOn(scope, 'delete');
    await sources.get(inFlightPath(), { timeoutMs: 1000, scope });
    expect(remove).toHaveBeenCalledWith(add.mock.calls[0]?.[0]);
  });
});

describe('paths', () => {
  it('refuses a path no baton endpoint builds: a bug in a composition, not a Temporal failure', async () => {
    const { sources, calls } = temporalWith();
    for (const path of ['/users/u-1', '/orders', '/orders/a/b', '/customers/u-1/orders', '/customers/u-1/orders-in-flight?limit=0', '/orders/ord-1?x=1']) {
      await expect(sources.get(path, { timeoutMs: 1000 }), path).rejects.toThrow(Error);
    }
    expect(calls).toEqual([]);
  });

  it('decodes the IDs the endpoints encoded', async () => {
    const { sources, calls } = temporalWith();
    await sources.get(ordersInFlight.url({ params: { customerId: 'a b' }, query: { limit: 2 } }), { timeoutMs: 1000 });
    expect(calls[0]?.request).toMatchObject({ query: inFlightQuery('a b'), pageSize: 2 });
  });
});
