// `npm run worker`: runs Baton's workflows and activities on one task queue.
import { Runtime } from '@temporalio/worker';
import { createDownstreamClient } from '../activities/http-client';
import { loadEnvOrExit, workerEnv } from '../config/env';
import { createLogger } from '../lib/logger';
import { serviceUrlsFromEnv } from '../config/service-urls';
import { connectWithRetry, createBatonWorker } from './create-worker';
import { sdkLogger } from './sdk-logger';

const env = loadEnvOrExit(workerEnv, 'worker');
const log = createLogger('worker', env.LOG_LEVEL);

// The SDK already turns SIGINT/SIGTERM into a graceful shutdown that drains in-flight tasks.
Runtime.install({ logger: sdkLogger(log) });

const http = createDownstreamClient({ timeoutMs: env.BATON_HTTP_TIMEOUT_MS });
const connection = await connectWithRetry(env.TEMPORAL_ADDRESS);
const worker = await createBatonWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  deps: { http, urls: serviceUrlsFromEnv(env) },
  ...(env.BATON_WORKFLOW_BUNDLE !== undefined && { bundlePath: env.BATON_WORKFLOW_BUNDLE }),
});
// Started by the launcher with an IPC channel: never outlive it, and never let the channel alone keep us alive.
process.on('disconnect', () => worker.shutdown());
process.channel?.unref();

log.info({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE }, `worker polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS}`);
try {
  await worker.run();
  log.info('worker stopped');
} finally {
  await connection.close();
  await http.close();
}
