// A time-skipping Temporal test server with an in-process worker running Baton's real workflows,
// and activities that call real sample services (or fakes).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ServiceUrls } from '../../activities';
import { createDownstreamClient, type DownstreamClient } from '../../activities/http-client';
import { resolveTestServer } from '../../lib/temporal-binaries';
import { workflowsPath } from '../../worker/workflow-source';
import { uniqueTaskQueue } from './api';
import { quietRuntime } from './quiet-runtime';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundled once per test file: bundling is the slow part of starting a worker. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
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
