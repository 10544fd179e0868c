import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { workflowSource } from './workflow-source';

export interface BatonWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle; bundles from source when absent. */
  bundlePath?: string;
  /** Extra worker options (tuning, interceptors). */
  overrides?: Partial<WorkerOptions>;
}

export function createBatonWorker(options: BatonWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...workflowSource(options.bundlePath),
    ...options.overrides,
  });
}

/** Temporal may still be starting (the launcher starts everything at once): retry for a while. */
export async function connectWithRetry(address: string, attempts = 60, delayMs = 500): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
