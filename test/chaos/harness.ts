// What every chaos case stands on: its own Temporal dev server persisting to its own SQLite file (so it
// can be killed and started again on the same data), the sample services, and the processes it starts,
// all stopped at the end whatever happened.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startDevServer, type DevServer } from '../../dev/temporal/dev-server';
import { freePort } from '../../dev/ports';
import { startSampleServices, type RunningSampleServices, type StartSampleServicesOptions } from '../../dev/services';
import type { OrderTimings } from '../../contracts';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../support/api';
import { startApiProcess, startWorkerProcess, type ApiProcess, type Stack } from '../support/chaos';
import type { ChildHandle } from '../support/processes';

export interface ChaosRig {
  stack: Stack;
  services: RunningSampleServices;
  /**
   * Resolves once Temporal serves. Worker and API processes may start before (they retry connecting),
   * which overlaps their start-up with the server's.
   */
  ready: Promise<void>;
  /** Starts a worker process on the rig's queue, with the shared bundle; stopped at the end. */
  startWorker(env?: Record<string, string>): Promise<ChildHandle>;
  /** Starts the API as a process on `port` (a free one when absent); stopped at the end. */
  startApi(port?: number): Promise<ApiProcess>;
  /** The API in the test's process, once Temporal serves, with retry settings that fit the case; stopped at the end. */
  startInProcessApi(orderTimings: OrderTimings): Promise<TestApi>;
  /** SIGKILLs the dev server's process group, as a crash or an OOM kill would. */
  killTemporal(): Promise<void>;
  /** Starts the dev server again on the same port and SQLite file. */
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

/** Short HTTP timeout, so a hung call costs one second; a short grace, so teardown is quick. */
const WORKER_ENV = { BATON_HTTP_TIMEOUT_MS: '1000', BATON_SHUTDOWN_GRACE_MS: '5000' };

export async function startRig(name: string, services: StartSampleServicesOptions = {}): Promise<ChaosRig> {
  const dir = await mkdtemp(join(tmpdir(), `baton-chaos-${name}-`));
  const port = await freePort();
  const serverOptions = {
    port,
    dbFilename: join(dir, 'temporal.sqlite'),
    logLevel: 'error' as const,
    searchAttributes: [...BATON_SEARCH_ATTRIBUTES],
  };
  let temporal: DevServer | undefined;
  const ready = startDevServer(serverOptions).then((server) => {
    temporal = server;
  });
  // Awaited by the test through `ready` (or by stop); this keeps a failed start from going unhandled meanwhile.
  ready.catch(() => undefined);
  const running = await startSampleServices(services);
  const stack: Stack = { address: `127.0.0.1:${port}`, namespace: 'default', taskQueue: uniqueTaskQueue(`chaos-${name}`), serviceUrls: running.urls };
  const bundle = inject('workflowBundle');
  const children: ChildHandle[] = [];
  const apis: TestApi[] = [];
  const serving = async () => {
    await ready;
    if (!temporal) throw new Error('the dev server did not start');
    return temporal;
  };

  return {
    stack,
    services: running,
    ready,
    async startWorker(env = {}) {
      const worker = await startWorkerProcess(stack, { BATON_WORKFLOW_BUNDLE: bundle, ...WORKER_ENV, ...env });
      children.push(worker);
      // The faults hit a running system: new orders go to a build only once it is current (worker/deployment.ts).
      // A server killed while a fresh worker still registers its two lanes held new orders back about a minute.
      await worker.waitFor(/is the current version/, 90_000);
      return worker;
    },
    async startApi(apiPort) {
      const api = await startApiProcess(stack, apiPort ?? (await freePort()));
      children.push(api.handle);
      return api;
    },
    async startInProcessApi(orderTimings) {
      await ready;
      const api = await startTestApi({ ...stack, config: { orderTimings } });
      apis.push(api);
      return api;
    },
    async killTemporal() {
      const server = await serving();
      if (server.pid === undefined) throw new Error('the dev server runs inside the SDK (no Temporal CLI found): it cannot be killed alone');
      process.kill(-server.pid, 'SIGKILL');
      await server.stop(); // reaps it
    },
    async restartTemporal() {
      temporal = await startDevServer(serverOptions);
    },
    async stop() {
      await Promise.all(apis.map((api) => api.stopAll()));
      await Promise.all(children.map((child) => child.stop('SIGKILL')));
      await running.close();
      await ready.catch(() => undefined);
      await temporal?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
