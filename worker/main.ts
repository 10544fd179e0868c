// `npm run worker`: runs Baton's workflows and activities on one task queue and its burst lane (or only one kind: worker/tuning.ts).
import { Runtime } from '@temporalio/worker';
import { createDownstreamClient } from '../activities/http-client';
import { loadEnvOrExit, workerEnv } from '../config/env';
import { createLogger } from '../lib/logger';
import { createDataConverter, describePayloadEncryption } from '../lib/payload-codec';
import { startTelemetry } from '../lib/telemetry';
import { buildOrExit, describeTemporalSecurity, followAuthTokenFile, workerConnectionOptions } from '../lib/temporal-connection';
import { serviceUrlsFromEnv } from '../config/service-urls';
import { connectWithRetry, createBatonWorker, runAll, shutdownAll } from './create-worker';
import { defaultBuildId, promoteBuild, type WorkerDeployment } from './deployment';
import { prepareNamespace } from './namespace';
import { sdkLogger } from './sdk-logger';
import { workerTuning } from './tuning';
import { laneOptions, MainPoolWatch } from './lane-yield';

const env = loadEnvOrExit(workerEnv, 'worker');
const log = createLogger('worker', env.LOG_LEVEL);
const connectionOptions = buildOrExit('worker', () => workerConnectionOptions(env));
const tuning = buildOrExit('worker', () => workerTuning(env));
// Traces to OTEL_EXPORTER_OTLP_ENDPOINT when set: workflow and activity spans join the API request's trace.
const telemetry = startTelemetry({ serviceName: 'baton-worker' });

// The SDK already turns SIGINT/SIGTERM into a graceful shutdown that drains in-flight tasks.
Runtime.install({
  logger: sdkLogger(log),
  ...(env.BATON_WORKER_METRICS_PORT !== undefined && {
    telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${env.BATON_WORKER_METRICS_PORT}` } } },
  }),
});

const http = createDownstreamClient({ timeoutMs: env.BATON_HTTP_TIMEOUT_MS });
const connection = await connectWithRetry(connectionOptions);
// A token for Temporal's JWT authorizer that its issuer refreshes in a file (TEMPORAL_AUTH_TOKEN_FILE).
followAuthTokenFile(env, connection, { onError: (err) => log.warn({ err }, 'cannot re-read TEMPORAL_AUTH_TOKEN_FILE; keeping the last token') });
// The namespace must exist and know Baton's search attributes (added here when BATON_REGISTER_SEARCH_ATTRIBUTES
// allows); when they cannot be added, the log names the command and the worker runs anyway (worker/namespace.ts).
// A shutdown while it waits for a missing namespace ends the wait (no worker exists yet to drain).
const waiting = new AbortController();
const stopWaiting = () => waiting.abort();
const signals = ['SIGINT', 'SIGTERM', 'disconnect'] as const;
for (const signal of signals) process.once(signal, stopWaiting);
const namespace = await prepareNamespace(connection, {
  namespace: env.TEMPORAL_NAMESPACE,
  register: env.BATON_REGISTER_SEARCH_ATTRIBUTES,
  log,
  signal: waiting.signal,
});
for (const signal of signals) process.off(signal, stopWaiting);
if (namespace.stopped) {
  log.info('worker stopped before its namespace existed');
  await connection.close();
  await http.close();
  await telemetry.shutdown();
  process.exit(0);
}
const deployment: WorkerDeployment | undefined = env.BATON_WORKER_VERSIONING
  ? { deploymentName: env.BATON_DEPLOYMENT_NAME, buildId: env.BATON_BUILD_ID ?? defaultBuildId() }
  : undefined;
// One SDK worker per lane (the task queue and its burst lane, worker/tuning.ts), sharing the connection,
// the downstream URLs and the converter. Payloads reach Temporal encrypted (BATON_PAYLOAD_KEYS); the API's
// client uses the same converter.
const deps = { http, urls: serviceUrlsFromEnv(env) };
const dataConverter = createDataConverter(env.BATON_PAYLOAD_KEYS);
// The burst lane's slots wait for the main pool to go idle (worker/lane-yield.ts).
const mainPool = new MainPoolWatch();
const workers = await Promise.all(
  tuning.lanes.map((lane) =>
    createBatonWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: lane.taskQueue,
      role: tuning.role,
      // Draining on SIGTERM: running activities get this long to finish before they are cancelled.
      overrides: { ...laneOptions(lane, mainPool), shutdownGraceTime: env.BATON_SHUTDOWN_GRACE_MS },
      deps,
      dataConverter,
      telemetry,
      ...(env.BATON_WORKFLOW_BUNDLE !== undefined && { bundlePath: env.BATON_WORKFLOW_BUNDLE }),
      ...(deployment !== undefined && { deployment }),
    }),
  ),
);
if (workers[0] !== undefined) mainPool.follow(workers[0]);
// Started by the launcher with an IPC channel: never outlive it, and never let the channel alone keep us alive.
process.on('disconnect', () => shutdownAll(workers));
process.channel?.unref();

const burstLanes = tuning.lanes.slice(1).map((lane) => lane.taskQueue);
log.info(
  {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: tuning.taskQueue,
    role: tuning.role,
    security: describeTemporalSecurity(env),
    payloadEncryption: describePayloadEncryption(env.BATON_PAYLOAD_KEYS),
    deployment: deployment ?? 'unversioned',
    lanes: tuning.lanes,
    ...(env.BATON_WORKER_METRICS_PORT !== undefined && { metrics: `http://0.0.0.0:${env.BATON_WORKER_METRICS_PORT}/metrics` }),
    tracing: telemetry.enabled,
  },
  `worker polling task queue ${tuning.taskQueue}` +
    (burstLanes.length > 0 ? ` and its burst lane ${burstLanes.join(', ')}` : '') +
    ` on ${env.TEMPORAL_ADDRESS}` +
    (tuning.role === 'all' ? '' : ` (${tuning.role} only)`),
);
if (env.BATON_PAYLOAD_KEYS.length === 0) log.warn('BATON_PAYLOAD_KEYS=off: payloads are stored in Temporal in plaintext');
// The server learns of this build from its pollers, so the promotion runs beside them.
const stopPromoting = new AbortController();
const promoted =
  deployment === undefined
    ? Promise.resolve()
    : promoteBuild(connection, { namespace: env.TEMPORAL_NAMESPACE, deployment, mode: env.BATON_PROMOTE_BUILD, log, signal: stopPromoting.signal });
try {
  await runAll(workers);
  log.info('worker stopped');
} finally {
  stopPromoting.abort();
  await promoted;
  namespace.stop();
  await connection.close();
  await http.close();
  await telemetry.shutdown();
}
