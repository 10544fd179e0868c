// `npm run api`: Baton's REST API.
import { Client } from '@temporalio/client';
import { DrainingConnection } from '../lib/draining-connection';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { apiAuthConfig } from '../config/api-auth';
import { apiEnv, loadEnvOrExit } from '../config/env';
import { serviceUrlsFromEnv } from '../config/service-urls';
import { createLogger } from '../lib/logger';
import { createDataConverter, describePayloadEncryption } from '../lib/payload-codec';
import { startTelemetry } from '../lib/telemetry';
import { checkNamespace, logNamespaceCheck } from '../lib/namespace-setup';
import { buildOrExit, clientConnectionOptions, describeTemporalSecurity, followAuthTokenFile } from '../lib/temporal-connection';
import { createComposer } from '../composition';
import { createApiMetrics } from './http/api-metrics';
import { createSharedRateLimitStore } from './http/rate-limit-store';
import { SharedBurstPriority } from './workflows/shared-burst-priority';
import { createNamespaceReadiness } from './http/namespace-readiness';
import { profileDeadlines } from './profiles/profile-routes';
import { createBatonSources } from './compositions/baton-sources';
import { startApiServer } from './server';
import { compileOptionsFor, CompositionsFileError, FileCompositions } from './compositions/file-compositions';

const env = loadEnvOrExit(apiEnv, 'api');
const logger = createLogger('api', env.LOG_LEVEL);
// Static tokens, the identity provider's JWTs, or both (docs/security.md).
const auth = buildOrExit('api', () => apiAuthConfig(env));
// Every replica spends from one budget per client when the counts live in Valkey/Redis.
const rateLimit = env.BATON_RATE_LIMIT_REDIS_URL ? createSharedRateLimitStore(env.BATON_RATE_LIMIT_REDIS_URL) : undefined;
// Connected before the first request, so a replica's first requests are counted too; a store that is away
// does not keep the API from starting (requests pass uncounted until it is back, each one logged).
if (rateLimit && !(await rateLimit.connected(5000)))
  logger.warn('the rate-limit store (BATON_RATE_LIMIT_REDIS_URL) is not reachable yet: requests pass uncounted until it is');
const burstAllowance = { burst: env.BATON_BURST_STARTS, perSecond: env.BATON_BURST_STARTS_PER_SECOND };
// Traces to OTEL_EXPORTER_OTLP_ENDPOINT when set; before any client exists, so their calls are traced.
const telemetry = startTelemetry({ serviceName: 'baton-api' });

// Lazy: the API starts (and /healthz answers) even while Temporal is down; /readyz tells the difference.
const connection = DrainingConnection.lazy(buildOrExit('api', () => clientConnectionOptions(env, { connectTimeout: '3 seconds' })));
// A token for Temporal's JWT authorizer that its issuer refreshes in a file (TEMPORAL_AUTH_TOKEN_FILE).
followAuthTokenFile(env, connection, { onError: (err) => logger.warn({ err }, 'cannot re-read TEMPORAL_AUTH_TOKEN_FILE; keeping the last token') });
// The interceptor puts the request's trace context into the headers of every start, signal, update
// and query, so the workflow and its activities join the request's trace.
const client = new Client({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  // The worker's converter (BATON_PAYLOAD_KEYS): orders go to Temporal encrypted, results come back readable,
  // and /codec/* serves these same codecs to the Web UI.
  dataConverter: createDataConverter(env.BATON_PAYLOAD_KEYS),
  ...(telemetry.enabled && { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }),
});
// Orders need the namespace set up for Baton: it must exist and know Baton's search attributes, which are
// added here when BATON_REGISTER_SEARCH_ATTRIBUTES allows. Checked now, in the background (the API serves
// /healthz meanwhile), and again while it is not ready, so a person's fix needs no restart.
const namespaceReadiness = createNamespaceReadiness({
  check: () => checkNamespace(connection, { namespace: env.TEMPORAL_NAMESPACE, register: env.BATON_REGISTER_SEARCH_ATTRIBUTES }),
  onChange: (check) => logNamespaceCheck(logger, check),
});
namespaceReadiness.status().catch((err: unknown) => {
  logger.warn({ err }, 'could not check the Temporal namespace yet; the next order request or /readyz checks again');
});
// One pool and one set of circuit breakers for the whole process: breakers only work when shared.
const composition = createComposer({
  baseUrls: serviceUrlsFromEnv(env),
  breaker: { threshold: env.BATON_BREAKER_THRESHOLD, cooldownMs: env.BATON_BREAKER_COOLDOWN_MS },
  cacheMaxBytes: env.BATON_CACHE_MAX_BYTES,
  deadlines: profileDeadlines(env.BATON_PROFILE_DEADLINE_MS),
  logger,
  // Hybrid compositions read orders through the same lazy client: nothing is dialled until one asks.
  baton: createBatonSources({ client, connection }, { breaker: { threshold: env.BATON_BREAKER_THRESHOLD, cooldownMs: env.BATON_BREAKER_COOLDOWN_MS } }),
});

const metrics = createApiMetrics({ processMetrics: true });
// Declarative compositions: refused at start with every bad field named; later edits are reloaded in place.
let fileCompositions: FileCompositions | undefined;
if (env.BATON_COMPOSITIONS_FILE) {
  try {
    fileCompositions = await FileCompositions.load(env.BATON_COMPOSITIONS_FILE, {
      ...compileOptionsFor(serviceUrlsFromEnv(env)),
      logger,
      onReload: (result, version) => metrics.compositionsReload(result, version),
    });
  } catch (err) {
    if (!(err instanceof CompositionsFileError)) throw err;
    logger.fatal({ file: err.file, errors: err.errors }, 'BATON_COMPOSITIONS_FILE is invalid');
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  fileCompositions.watch();
  logger.info(fileCompositions.status(), `compositions file ${fileCompositions.file} (version ${fileCompositions.current.version})`);
}

const api = await startApiServer(
  {
    config: {
      ...auth,
      bodyLimitBytes: env.BATON_BODY_LIMIT_BYTES,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      temporalUiUrl: env.TEMPORAL_UI_URL,
      webhookSecrets: env.BATON_WEBHOOK_SECRET,
      temporalDeadlineMs: env.BATON_TEMPORAL_DEADLINE_MS,
      maxInflightTemporal: env.BATON_MAX_INFLIGHT_TEMPORAL,
      maxInflightCompositions: env.BATON_MAX_INFLIGHT_COMPOSITIONS,
      eventStreamsPerClient: env.BATON_EVENT_STREAMS_PER_CLIENT,
      eventPollMs: env.BATON_EVENT_POLL_MS,
      rateLimitPerMinute: env.BATON_RATE_LIMIT_PER_MINUTE,
      burstAllowance,
      publicUrl: env.BATON_PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`,
      paymentClearanceTimeout: env.BATON_PAYMENT_CLEARANCE_TIMEOUT,
      codec: { corsOrigins: env.BATON_CODEC_CORS_ORIGINS, auth: env.BATON_CODEC_AUTH },
    },
    temporal: { client, connection },
    logger,
    composition,
    metrics,
    ...(fileCompositions && { fileCompositions }),
    ...(rateLimit && {
      rateLimitStore: rateLimit.store,
      // Replicas share each customer's burst allowance too; while the store is away, this replica's own count decides.
      burstAllowances: new SharedBurstPriority(rateLimit.redis, burstAllowance, (err) =>
        logger.warn({ err }, 'the burst allowance store (BATON_RATE_LIMIT_REDIS_URL) is not reachable: this replica counted the start alone'),
      ),
    }),
    namespaceReadiness,
  },
  { port: env.PORT, host: env.HOST },
);
logger.info(
  {
    url: api.url,
    temporal: env.TEMPORAL_ADDRESS,
    temporalSecurity: describeTemporalSecurity(env),
    payloadEncryption: describePayloadEncryption(env.BATON_PAYLOAD_KEYS),
    tracing: telemetry.enabled,
  },
  `api listening on ${api.url} (docs at ${api.url}/docs)`,
);
logger.info(
  {
    staticTokens: auth.apiTokens.length,
    jwtIssuer: auth.jwt?.issuer,
    metricsToken: auth.metricsToken !== undefined,
    rateLimitStore: rateLimit ? 'shared' : 'memory',
  },
  `auth: ${auth.apiTokens.length} static token(s)${auth.jwt ? `, JWTs from ${auth.jwt.issuer}` : ''}; rate limit and burst allowances counted ${rateLimit ? 'in the shared store' : 'in this process'}`,
);
if (env.BATON_PAYLOAD_KEYS.length === 0) logger.warn('BATON_PAYLOAD_KEYS=off: payloads are stored in Temporal in plaintext');
if (env.BATON_CODEC_AUTH === 'none')
  logger.warn('BATON_CODEC_AUTH=none: /codec/decode decrypts payloads for anyone who can reach this API (local development only)');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'api stopping');
  await api.close();
  await fileCompositions?.close();
  await composition.close();
  await rateLimit?.close();
  await connection.close();
  await telemetry.shutdown();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
// Started by the launcher with an IPC channel: never outlive it, and never let the channel alone keep us alive.
process.on('disconnect', () => void shutdown('parent exited'));
process.channel?.unref();
