import { trace } from '@opentelemetry/api';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './http/deps';
import { traceRequests } from '../lib/http-tracing';
import { createApiMetrics } from './http/api-metrics';
import { authenticate } from './http/middleware/auth';
import { limitBodies } from './http/middleware/body-limit';
import { createJwtVerifier } from './http/jwt';
import { documentScopes } from './http/scopes';
import { observeRequests } from './http/middleware/observe';
import { requestIds } from './http/middleware/request-id';
import { secureResponseHeaders } from './http/middleware/secure-headers';
import { rateLimitPerClient } from './http/middleware/rate-limit';
import { requireNamespace } from './http/middleware/namespace-ready';
import { shedLoad } from './http/middleware/shed-load';
import { ApiProblem, problems } from './http/problems';
import { createRouter } from './http/router';
import { docsRoutes } from './ops/docs-routes';
import { healthRoutes } from './ops/health-routes';
import { metricsRoutes } from './ops/metrics-routes';
import { operatorRoutes } from './operator/operator-routes';
import { EventStreams } from './orders/event-streams';
import { orderEventRoutes } from './orders/order-event-routes';
import { orderRoutes } from './orders/order-routes';
import { profileRoutes } from './profiles/profile-routes';
import { customerRoutes } from './customers/customer-routes';
import { webhookRoutes } from './orders/payment-webhook-routes';
import { CODEC_PATH_PREFIX, codecCors, codecRoutes } from './ops/codec-routes';
import { unmatchedWorkflowPath, workflowRoutes } from './workflows/workflow-routes';
import { problemFromTemporal } from './http/temporal-errors';
import { orderDefinition, registeredWorkflows } from '../contracts';
import { orderServerInput } from './orders/order-server-input';
import { workflowStarter } from './workflows/starter';
import { BurstPriority } from './workflows/burst-priority';
import { COMPOSITIONS_SCHEMA_PATH, compositionSchemaRoutes, fileCompositionRoutes, fileCompositionsDocument } from './compositions/composition-routes';

/**
 * Routes anyone may call; everything else needs a bearer token with the route's scope (api/http/scopes.ts). The
 * webhook checks its own signature. /metrics takes BATON_METRICS_TOKEN or the `operator` scope (docs/security.md).
 */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json', '/docs', COMPOSITIONS_SCHEMA_PATH]);
/** Probes, scrapes and docs get no span: they would bury the traces worth reading. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', COMPOSITIONS_SCHEMA_PATH]);
const PUBLIC_PREFIXES = ['/docs/', '/webhooks/'];
const TEMPORAL_ROUTE_PREFIXES = ['/orders', '/webhooks', '/workflows', '/operator'];
const COMPOSITION_ROUTE_PREFIXES = ['/profiles', '/customers'];
/**
 * The first path segment of every route Baton serves itself: a compositions file may not declare a path
 * under one of them (test/unit/api/reserved-prefixes.test.ts keeps this list whole).
 */
export const BATON_ROUTE_PREFIXES = [
  'healthz',
  'readyz',
  'metrics',
  'openapi.json',
  'docs',
  'orders',
  'operator',
  'webhooks',
  'profiles',
  'customers',
  'codec',
  'workflows',
  'compositions',
] as const;
/** The routes that start, read, search or operate orders (POST /workflows/order starts one too). */
const ORDER_ROUTE_PREFIXES = ['/orders', '/workflows/order', '/operator'];

function renderProblem(c: Context<AppEnv>, problem: ApiProblem) {
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  return c.body(JSON.stringify(problem.toJSON(c.req.path)), problem.status);
}

function toProblem(err: Error, c: Context<AppEnv>): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) return problems.malformedJson();
    if (err.status === 413) return problems.tooLarge(c.var.deps.config.bodyLimitBytes);
    if (err.status === 401) return problems.unauthorized();
    return new ApiProblem(err.status, 'http-error', err.message || 'Request error');
  }
  const temporal = problemFromTemporal(err, c.var.deps.config.namespace);
  if (temporal) return temporal;
  c.var.deps.logger.error({ err, requestId: c.var.requestId, path: c.req.path }, 'unhandled error');
  return problems.internal();
}

export function createApp(deps: AppDeps) {
  const app = createRouter();
  const workflows = deps.workflows ?? registeredWorkflows;
  // The one way in for every start: each definition's server-owned fields come from here.
  const burst = deps.burstAllowances ?? (deps.config.burstAllowance && new BurstPriority(deps.config.burstAllowance));
  const start = workflowStarter(workflows, { [orderDefinition.type]: orderServerInput }, burst);
  const metrics = deps.metrics ?? createApiMetrics();
  if (deps.composition) metrics.watchCircuits(() => deps.composition?.circuitStates() ?? {});

  app.use('*', requestIds());
  // A SERVER span per request that continues the caller's `traceparent`; the Temporal client's
  // interceptor carries it on into the workflow (README "Observability").
  app.use('*', traceRequests({ tracer: () => trace.getTracer('baton-api'), exempt: (path) => UNTRACED_PATHS.has(path) || path.startsWith('/docs/') }));
  app.use('*', observeRequests(deps.logger, metrics));
  app.use('*', (c, next) => {
    c.set('deps', deps);
    return next();
  });
  app.use('*', secureResponseHeaders());
  app.on(
    ['POST', 'PUT', 'PATCH', 'DELETE'],
    '*',
    limitBodies(deps.config.bodyLimitBytes, () => problems.tooLarge(deps.config.bodyLimitBytes)),
  );
  // The Web UI calls the codec endpoint from its own origin: CORS answers its preflight before any token check.
  app.use(`${CODEC_PATH_PREFIX}*`, codecCors(deps.config.codec));
  const codecIsOpen = deps.config.codec?.auth === 'none';
  app.use(
    '*',
    authenticate({
      tokens: deps.config.apiTokens,
      ...(deps.config.jwt && { jwt: createJwtVerifier(deps.config.jwt) }),
      ...(deps.config.metricsToken !== undefined && { metricsToken: deps.config.metricsToken }),
      isPublic: (path) => PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((p) => path.startsWith(p)) || (codecIsOpen && path.startsWith(CODEC_PATH_PREFIX)),
      onJwksUnavailable: (err) => deps.logger.warn({ err }, 'identity provider JWKS unavailable: JWT requests answered 503'),
    }),
  );
  // A budget per tenant or static token (keyed by the digest auth sets), so no route before auth is ever
  // counted; shared by every replica when the deps bring a Valkey/Redis store; off when 0.
  const perClient = rateLimitPerClient({
    perMinute: deps.config.rateLimitPerMinute,
    ...(deps.rateLimitStore && { store: deps.rateLimitStore }),
    onStoreUnavailable: (err) => deps.logger.warn({ err }, 'rate-limit store unavailable: request let through uncounted'),
  });
  if (perClient) app.use('*', perClient);

  // Every Temporal call made while serving a request shares one deadline: a down server is a quick 503, not a hang.
  // Only the routes that talk to Temporal pay for it; the compositions never do.
  // A bounded number of them run at once (one bound shared by these routes); the excess is a 503 at once.
  const shed = shedLoad(deps.config.maxInflightTemporal ?? 256, () => problems.overloaded());
  for (const prefix of TEMPORAL_ROUTE_PREFIXES) {
    app.use(`${prefix}/*`, shed);
    app.use(`${prefix}/*`, (c, next) => deps.temporal.connection.withDeadline(Date.now() + deps.config.temporalDeadlineMs, next));
  }
  // Orders need the namespace set up for Baton (its search attributes): until it is, their routes answer
  // 503 naming the fix; other routes (profiles, health, other workflows) are unaffected.
  if (deps.namespaceReadiness) {
    const ready = requireNamespace(deps.namespaceReadiness);
    for (const prefix of ORDER_ROUTE_PREFIXES) app.use(`${prefix}/*`, ready);
  }
  // The compositions get a bound of their own: past what this process can serve, admitting more only
  // makes every call wait for the event loop and the pool until they time out (each one cut on the
  // wire costs a reconnection), so that Baton keeps failing after the load has dropped again.
  const shedCompositions = shedLoad(deps.config.maxInflightCompositions ?? 256, () => problems.overloaded('composition requests'));
  for (const prefix of COMPOSITION_ROUTE_PREFIXES) app.use(`${prefix}/*`, shedCompositions);

  app.route('/', healthRoutes());
  app.route('/', metricsRoutes());
  app.route('/', orderRoutes(start));
  app.route(
    '/',
    orderEventRoutes({ streams: deps.eventStreams ?? new EventStreams(deps.config.eventStreamsPerClient ?? 10), pollMs: deps.config.eventPollMs ?? 1000 }),
  );
  app.route('/', operatorRoutes());
  app.route('/', webhookRoutes());
  app.route('/', profileRoutes());
  app.route('/', customerRoutes());
  app.route('/', codecRoutes());
  // Every registered workflow type (and any extra definitions the deps bring, e.g. tests').
  app.route('/', workflowRoutes(workflows, start));
  app.route('/', compositionSchemaRoutes());
  // Each route's scope (api/http/scopes.ts) and its 403, in the served document.
  documentScopes(app.openAPIRegistry);

  const documentInfo = {
    openapi: '3.1.0',
    info: {
      title: 'Baton API',
      version: '1.0.0',
      description: 'Durable orchestrations on Temporal and synchronous compositions behind one API.',
    },
  };
  // The document of the routes above, plus those of the compositions file as it is now.
  app.get('/openapi.json', (c) => {
    const document = app.getOpenAPI31Document(documentInfo);
    const files = deps.fileCompositions;
    if (!files) return c.json(document);
    const fromFile = fileCompositionsDocument(files.current);
    return c.json({
      ...document,
      paths: { ...document.paths, ...fromFile.paths },
      components: { ...document.components, schemas: { ...fromFile.components?.schemas, ...document.components?.schemas } },
    });
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.route('/', docsRoutes());
  // Last: a GET no route above answered may be one of the compositions file's.
  app.route('/', fileCompositionRoutes(shedCompositions));

  app.notFound((c) =>
    renderProblem(c, unmatchedWorkflowPath(workflows, c.req.method, c.req.path) ?? problems.notFound(`No route for ${c.req.method} ${c.req.path}.`)),
  );
  app.onError((err, c) => renderProblem(c, toProblem(err, c)));
  return app;
}

export type BatonApp = ReturnType<typeof createApp>;
