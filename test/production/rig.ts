// What every production case stands on: a real Temporal cluster (dev/temporal/temporal-cluster.ts: Temporal's own
// server on PostgreSQL, one process per role), the sample services, two API processes and three worker
// processes, as a deployment runs them. Cases kill parts of it; the rig starts them again on the same
// ports, as a supervisor would, and stops everything at the end whatever happened.
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { freePort } from '../../dev/ports';
import { startTemporalCluster, type TemporalCluster } from '../../dev/temporal/temporal-cluster';
import { startSampleServices, type RunningSampleServices, type StartSampleServicesOptions } from '../../dev/services';
import type { OrderTimings } from '../../contracts';
import { apiCaller, startTestApi, uniqueTaskQueue, type ApiCall, type TestApi } from '../support/api';
import { startApiProcess, startWorkerProcess, type ApiProcess, type Stack } from '../support/chaos';
import type { ChildHandle } from '../support/processes';

export const API_PROCESSES = 2;
export const WORKER_PROCESSES = 3;

/** A short grace, so that teardown and restarts are quick. */
const WORKER_ENV = { BATON_SHUTDOWN_GRACE_MS: '5000' };

export interface ProductionRig {
  cluster: TemporalCluster;
  services: RunningSampleServices;
  stack: Stack;
  /** A plain client on the cluster (no payload keys: for visibility only). */
  client: Client;
  workers: ChildHandle[];
  apis: ApiProcess[];
  /** Calls API process `i` (whichever process holds that slot now). */
  api(i: number): ApiCall;
  /** Spreads calls over both API processes, as a load balancer would. */
  anyApi: ApiCall;
  /** Starts worker `i` again (after a kill). */
  restartWorker(i: number): Promise<void>;
  /** Starts API process `i` again on its port (after a kill). */
  restartApi(i: number): Promise<void>;
  /** Starts again whatever worker or API process is not running, as a supervisor would between cases. */
  revive(): Promise<void>;
  /** The API in the test's process on the same cluster and queue, with other order timings; stopped at the end. */
  startInProcessApi(orderTimings: OrderTimings): Promise<TestApi>;
  stop(): Promise<void>;
}

export async function startProductionRig(services: StartSampleServicesOptions = {}): Promise<ProductionRig> {
  const cluster = await startTemporalCluster({ binDir: inject('temporalServerBinDir') });
  try {
    return await startOnCluster(cluster, services);
  } catch (err) {
    // beforeAll failed: nobody else will stop the cluster.
    await cluster.stop();
    throw err;
  }
}

async function startOnCluster(cluster: TemporalCluster, services: StartSampleServicesOptions): Promise<ProductionRig> {
  const running = await startSampleServices(services);
  const stack: Stack = { address: cluster.address, namespace: cluster.namespace, taskQueue: uniqueTaskQueue('production'), serviceUrls: running.urls };
  const workerEnv = { BATON_WORKFLOW_BUNDLE: inject('workflowBundle'), ...WORKER_ENV };
  const apiPorts = await Promise.all(Array.from({ length: API_PROCESSES }, () => freePort()));
  const inProcess: TestApi[] = [];
  const connection = await Connection.connect({ address: cluster.address });
  const client = new Client({ connection, namespace: cluster.namespace });

  const starting = await Promise.allSettled([
    ...Array.from({ length: WORKER_PROCESSES }, () => startWorkerProcess(stack, workerEnv)),
    ...apiPorts.map((port) => startApiProcess(stack, port)),
  ]);
  const failed = starting.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of starting) if (s.status === 'fulfilled') await ('handle' in s.value ? s.value.handle : s.value).stop('SIGKILL');
    await running.close();
    await connection.close();
    throw failed.reason;
  }
  const value = <T>(s: PromiseSettledResult<T>) => (s as PromiseFulfilledResult<T>).value;
  const workers = starting.slice(0, WORKER_PROCESSES).map((s) => value(s) as ChildHandle);
  const apis = starting.slice(WORKER_PROCESSES).map((s) => value(s) as ApiProcess);
  const callers = apis.map((_, i) => apiCaller(() => apis[i]!.url));
  let next = 0;
  const restartWorker = async (i: number) => {
    workers[i] = await startWorkerProcess(stack, workerEnv);
  };
  const restartApi = async (i: number) => {
    apis[i] = await startApiProcess(stack, apiPorts[i]!);
  };

  return {
    cluster,
    services: running,
    stack,
    client,
    workers,
    apis,
    api: (i) => callers[i]!,
    anyApi: (path, init) => callers[next++ % callers.length]!(path, init),
    restartWorker,
    restartApi,
    async revive() {
      const dead = (child: ChildHandle) => child.child.exitCode !== null || child.child.signalCode !== null;
      await Promise.all([
        ...workers.map(async (worker, i) => (dead(worker) ? restartWorker(i) : undefined)),
        ...apis.map(async (api, i) => (dead(api.handle) ? restartApi(i) : undefined)),
      ]);
    },
    async startInProcessApi(orderTimings) {
      const api = await startTestApi({ ...stack, config: { orderTimings } });
      inProcess.push(api);
      return api;
    },
    async stop() {
      await Promise.all(inProcess.map((api) => api.stopAll()));
      await Promise.all([...workers, ...apis.map((a) => a.handle)].map((child) => child.stop('SIGKILL')));
      await running.close();
      await connection.close();
      await cluster.stop();
    },
  };
}
