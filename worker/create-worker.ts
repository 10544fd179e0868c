import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import type { Telemetry } from '../lib/telemetry';
import { deploymentOptions, type WorkerDeployment } from './deployment';
import { workerTracing } from './tracing';
import type { WorkerRole } from './tuning';
import { workflowSource } from './workflow-source';

export interface BatonWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /**
   * lib/payload-codec.ts's createDataConverter: required so that no worker stores payloads in plaintext by
   * forgetting it, and so it matches the API's client (both decode what the other encrypted).
   */
  dataConverter: DataConverter;
  /** A prebuilt workflow bundle; bundles from source when absent. Unused by an activities-only worker. */
  bundlePath?: string;
  /** What the worker polls (worker/tuning.ts): both kinds of task (default), only workflows, or only activities. */
  role?: WorkerRole;
  /** Extra worker options (tuning, interceptors). */
  overrides?: Partial<WorkerOptions>;
  /** The process's tracing (lib/telemetry.ts): adds the SDK's OpenTelemetry interceptors and span sink. */
  telemetry?: Telemetry;
  /** A version of a Worker Deployment (worker/deployment.ts): its workflows are pinned to it. Unversioned when absent. */
  deployment?: WorkerDeployment;
}

export function createBatonWorker(options: BatonWorkerOptions): Promise<Worker> {
  const role = options.role ?? 'all';
  const tracing = workerTracing(options.telemetry, { bundled: options.bundlePath !== undefined });
  const extra = options.overrides?.interceptors;
  // The SDK polls workflow tasks only with workflow code, and activity tasks only with activities registered.
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    ...(role !== 'workflows' && { activities: createActivities(options.deps) }),
    ...(role !== 'activities' && workflowSource(options.bundlePath, { traced: tracing.traced })),
    ...(options.deployment !== undefined && { workerDeploymentOptions: deploymentOptions(options.deployment) }),
    ...options.overrides,
    // Tracing first (outermost), then whatever the caller adds.
    interceptors: {
      ...extra,
      activity: [...(tracing.interceptors.activity ?? []), ...(extra?.activity ?? [])],
      workflowModules: [...(tracing.interceptors.workflowModules ?? []), ...(extra?.workflowModules ?? [])],
    },
    sinks: { ...tracing.sinks, ...options.overrides?.sinks },
  });
}

/**
 * Temporal may still be starting (the launcher starts everything at once): retry for a while.
 * Takes the worker's connection options (lib/temporal-connection.ts) or, as before, just an address.
 */
export async function connectWithRetry(target: string | NativeConnectionOptions, attempts = 60, delayMs = 500): Promise<NativeConnection> {
  const options = typeof target === 'string' ? { address: target } : target;
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(options);
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** Stops every worker that is still running (each drains as Worker.shutdown does). */
export function shutdownAll(workers: readonly Worker[]): void {
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
}

/**
 * Runs the workers until all have stopped. One that fails stops the others, so the process never keeps
 * polling only part of its lanes; the first failure is rethrown once all have stopped.
 */
export async function runAll(workers: readonly Worker[]): Promise<void> {
  const outcomes = await Promise.allSettled(
    workers.map((worker) =>
      worker.run().catch((err: unknown) => {
        shutdownAll(workers);
        throw err;
      }),
    ),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
