// A time-skipping Temporal test server with an in-process worker running Baton's real workflows,
// and activities that call real sample services (or fakes).
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createActivities, type ServiceUrls } from '../../activities';
import { createDownstreamClient, type DownstreamClient } from '../../activities/http-client';
import { orderWorkflow, type OrderInput, type OrderState, type OrderWorkflow } from '../../contracts';
import { resolveTestServer } from '../../dev/temporal/temporal-binaries';
import { startSampleServices, type RunningSampleServices } from '../../dev/services';
import { workflowBundleOptions } from '../../worker/workflow-source';
import { uniqueTaskQueue } from './api';
import { quietRuntime } from './quiet-runtime';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundled once per test file: bundling is the slow part of starting a worker. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  bundle ??= bundleWorkflowCode(workflowBundleOptions(new DefaultLogger('WARN')));
  return bundle;
}

export function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer().executable } });
}

export interface RunningWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

/** Any activities object: Baton's real ones, or fakes with the same names. */
type ActivityImplementations = object;

export async function startWorker(env: TestWorkflowEnvironment, activities: ActivityImplementations): Promise<RunningWorker> {
  const taskQueue = uniqueTaskQueue('orders');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** Baton's real activities against the given service URLs, with a short HTTP timeout. */
export function realActivities(urls: Partial<ServiceUrls>, httpTimeoutMs = 500): { activities: ReturnType<typeof createActivities>; http: DownstreamClient } {
  const http = createDownstreamClient({ timeoutMs: httpTimeoutMs });
  const all: ServiceUrls = { users: '', orderHistory: '', loyalty: '', payments: '', inventory: '', shipping: '', ...urls };
  return { activities: createActivities({ http, urls: all }), http };
}

export interface SagaOnTimeSkipping {
  readonly env: TestWorkflowEnvironment;
  readonly services: RunningSampleServices;
  readonly worker: RunningWorker;
  /** Starts an order on the worker's queue. */
  start(input: OrderInput): Promise<WorkflowHandleWithFirstExecutionRunId<OrderWorkflow>>;
  /** Starts an order and waits for its final state. */
  execute(input: OrderInput): Promise<OrderState>;
}

/**
 * A test file's saga bench: a time-skipping server, the real sample services (transfers settle only
 * when the test says so), and a worker running Baton's real workflows and activities. Registers the
 * file's hooks; the services are reset after each test.
 */
export function useSagaOnTimeSkipping({ httpTimeoutMs }: { httpTimeoutMs?: number } = {}): SagaOnTimeSkipping {
  let env: TestWorkflowEnvironment | undefined;
  let services: RunningSampleServices | undefined;
  let worker: RunningWorker | undefined;
  let http: DownstreamClient | undefined;

  beforeAll(async () => {
    [env, services] = await Promise.all([startTimeSkipping(), startSampleServices({ settleOutcome: 'never' })]);
    const real = realActivities(services.urls, httpTimeoutMs);
    http = real.http;
    worker = await startWorker(env, real.activities);
  });
  afterAll(async () => {
    await worker?.stop();
    await http?.close();
    await services?.close();
    await env?.teardown();
  });
  afterEach(() => services?.reset());

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is not started yet: use it inside a test`);
    return value;
  };
  const options = (input: OrderInput) => ({
    taskQueue: ready(worker, 'worker').taskQueue,
    workflowId: orderWorkflow.workflowId(input.orderId),
    args: [input] as [OrderInput],
  });
  return {
    get env() {
      return ready(env, 'the time-skipping server');
    },
    get services() {
      return ready(services, 'the sample services');
    },
    get worker() {
      return ready(worker, 'worker');
    },
    start: (input) => ready(env, 'the time-skipping server').client.workflow.start<OrderWorkflow>(orderWorkflow.type, options(input)),
    execute: (input) => ready(env, 'the time-skipping server').client.workflow.execute<OrderWorkflow>(orderWorkflow.type, options(input)),
  };
}
