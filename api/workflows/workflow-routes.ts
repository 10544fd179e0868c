// The generic REST surface of every registered workflow type, derived from its definition: start,
// describe, signal, query, update, cancel and list. Each type gets its own concrete, typed OpenAPI
// entries (/workflows/order, /workflows/order/{id}/signals/paymentEvent, ...).
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Context } from 'hono';
import type { AnyWorkflowDefinition, UpdateSpec } from '../../contracts';
import { Id, WorkflowId } from '../../contracts';
import { lanesOf } from '../../lib/burst-lane';
import { documented, named, json } from '../http/openapi-names';
import type { AppConfig, AppEnv } from '../http/deps';
import { Links, temporalUiLink } from '../http/links';
import { issuePageToken, readPageToken } from '../http/page-token';
import { errorsFor, problems, type ApiProblem } from '../http/problems';
import { requestKey } from '../http/request-key';
import { createRouter } from '../http/router';
import { clientInputSchema } from './client-input';
import type { StartWorkflow } from './starter';
import { preferredWait, RunStatus, runOutcome, type StartOutcome } from './workflow-runs';

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

const StartHeaders = z.object({
  'idempotency-key': Id.optional().openapi({ description: 'A repeat with the same key returns the same run (200)' }),
  prefer: z.string().max(200).optional().openapi({ description: '`wait=N`: answer with the result if it comes within N seconds (at most 30)' }),
});
const StartQuery = z.object({
  workflowId: WorkflowId.optional().openapi({ description: 'An explicit workflow ID; a repeat returns the same run' }),
});
const IdParam = z.object({ id: documented(WorkflowId, { param: { name: 'id', in: 'path' }, description: 'The workflow ID' }) });

const LIST_STATUSES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  canceled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
} as const;
const ListQuery = z.object({
  status: z.enum(Object.keys(LIST_STATUSES) as [keyof typeof LIST_STATUSES]).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  nextPageToken: z.string().max(2000).optional(),
});
const ListItem = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: RunStatus,
  startTime: z.string().optional(),
  closeTime: z.string().optional(),
  links: Links,
});

const statusName = (code: number | null | undefined): RunStatus => RunStatus.options[code ?? 0] ?? 'UNKNOWN';

interface Timestamp {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}
function isoTime(ts: Timestamp | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** The routes of one workflow type; `router` collects them all. */
function registerWorkflow(router: ReturnType<typeof createRouter>, def: AnyWorkflowDefinition, start: StartWorkflow) {
  const { type } = def;
  const Type = pascal(type);
  const base = `/workflows/${type}`;
  const tags = [`workflow: ${type}`];
  const security = [{ bearer: [] }];
  const Input = named(clientInputSchema(def), `${Type}WorkflowInput`);
  const Result = named(def.result as z.ZodType, `${Type}WorkflowResult`);

  const Started = z
    .object({
      type: z.literal(type),
      workflowId: z.string(),
      runId: z.string(),
      status: RunStatus,
      result: Result.optional().describe('The result, when the run completed within `Prefer: wait`'),
      failure: z.string().optional(),
      ...(def.earlyReturnUpdate !== undefined && {
        early: named((def.updates as Record<string, UpdateSpec>)[def.earlyReturnUpdate]?.result ?? z.unknown(), `${Type}EarlyReturn`)
          .optional()
          .describe(`The ${def.earlyReturnUpdate} update's answer, with \`Prefer: wait\``),
      }),
      links: Links,
    })
    .openapi(`${Type}WorkflowStarted`);
  const Described = z
    .object({
      type: z.literal(type),
      workflowId: z.string(),
      runId: z.string(),
      status: RunStatus,
      taskQueue: z.string(),
      startTime: z.string(),
      closeTime: z.string().optional(),
      historyLength: z.number().int(),
      result: Result.optional().describe('Once completed'),
      failure: z.string().optional().describe('Why it ended without a result'),
      links: Links,
    })
    .openapi(`${Type}WorkflowRun`);

  const links = (config: AppConfig, workflowId: string, runId: string) => ({
    self: `${base}/${encodeURIComponent(workflowId)}`,
    temporalUi: temporalUiLink(config, workflowId, runId),
  });

  /** The run of this type with this ID; 404 for another type's ID or none at all. */
  const describeRun = async (c: Context<AppEnv>, workflowId: string) => {
    if (!workflowId.startsWith(def.idPrefix)) throw problems.notFound(`No ${type} workflow ${workflowId}.`);
    const handle = c.var.deps.temporal.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    if (description.type !== type) throw problems.notFound(`No ${type} workflow ${workflowId}.`);
    return { handle, description, status: description.status.name };
  };

  /** The run's handle while it still takes signals or updates; 409 once it has closed. */
  const openRun = async (c: Context<AppEnv>, workflowId: string, takes: 'signals' | 'updates') => {
    const { handle, status } = await describeRun(c, workflowId);
    if (status !== 'RUNNING') throw problems.conflict(`Workflow ${workflowId} has closed (${status}); it takes no ${takes}.`);
    return handle;
  };

  /** What a signal or an update can answer besides success. */
  const messageErrors = {
    ...errorsFor(400, 401, 404, 409, 503),
  };

  const startBody = (config: AppConfig, run: StartOutcome) => ({
    type,
    workflowId: run.workflowId,
    runId: run.runId,
    status: run.status,
    ...(run.result !== undefined && { result: run.result }),
    ...(run.failure !== undefined && { failure: run.failure }),
    ...(run.early !== undefined && { early: run.early }),
    links: links(config, run.workflowId, run.runId),
  });

  router.openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      security,
      summary: `Start a ${type} workflow`,
      description: def.description,
      request: { headers: StartHeaders, query: StartQuery, body: { required: true, content: { 'application/json': { schema: Input } } } },
      responses: {
        200: json(Started, 'The run this ID or Idempotency-Key started before, or the answer within `Prefer: wait`'),
        202: json(Started, 'Started; `Location` tells where to follow it'),
        ...errorsFor(400, 401, 409, 503),
      },
    }),
    async (c) => {
      const { config } = c.var.deps;
      const headers = c.req.valid('header');
      const wait = preferredWait(headers.prefer);
      const run = await start(c.var.deps, def, {
        input: c.req.valid('json'),
        key: headers['idempotency-key'] ?? requestKey(c.var.requestId),
        workflowId: c.req.valid('query').workflowId,
        wait,
      });
      if (wait !== undefined) c.header('Preference-Applied', `wait=${wait}`);
      c.header('Location', `${base}/${encodeURIComponent(run.workflowId)}`);
      return c.json(startBody(config, run), run.existing || run.answered ? 200 : 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      security,
      summary: `Status of a ${type} workflow: times, history length, and its result once closed`,
      request: { params: IdParam },
      responses: { 200: json(Described, 'The run'), ...errorsFor(401, 404, 503) },
    }),
    async (c) => {
      const { config, temporal } = c.var.deps;
      const { id } = c.req.valid('param');
      const { description, status } = await describeRun(c, id);
      const outcome = status === 'RUNNING' ? undefined : await runOutcome(temporal.client, id, description.runId);
      return c.json(
        {
          type,
          workflowId: id,
          runId: description.runId,
          status,
          taskQueue: description.taskQueue,
          startTime: description.startTime.toISOString(),
          ...(description.closeTime && { closeTime: description.closeTime.toISOString() }),
          historyLength: description.historyLength,
          ...(outcome?.result !== undefined && { result: outcome.result }),
          ...(outcome?.failure !== undefined && { failure: outcome.failure }),
          links: links(config, id, description.runId),
        },
        200,
      );
    },
  );

  for (const [name, schema] of Object.entries(def.signals as Record<string, z.ZodType>)) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `${base}/{id}/signals/${name}`,
        tags,
        security,
        summary: `Send the ${name} signal to a ${type} workflow`,
        request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: named(schema, `${Type}${pascal(name)}Signal`) } } } },
        responses: {
          202: json(z.object({ workflowId: z.string(), signal: z.literal(name) }), 'Delivered to the run'),
          ...messageErrors,
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const payload: unknown = c.req.valid('json');
        const handle = await openRun(c, id, 'signals');
        try {
          await handle.signal(def.signal[name] ?? name, payload);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw problems.conflict(`Workflow ${id} has just closed; it takes no signals.`);
          throw err;
        }
        return c.json({ workflowId: id, signal: name }, 202);
      },
    );
  }

  for (const [name, schema] of Object.entries(def.queries as Record<string, z.ZodType>)) {
    const answer = named(schema, `${Type}${pascal(name)}Query`);
    for (const method of ['get', 'post'] as const) {
      router.openapi(
        createRoute({
          method,
          path: `${base}/{id}/queries/${name}`,
          tags,
          security,
          summary: `Ask a ${type} workflow its ${name} (answers for closed runs too)`,
          request: { params: IdParam },
          responses: { 200: json(answer, 'The answer'), ...errorsFor(401, 404, 503) },
        }),
        async (c) => {
          const { id } = c.req.valid('param');
          const { handle } = await describeRun(c, id);
          const result: unknown = await handle.query(def.query[name] ?? name);
          return c.json(result as never, 200);
        },
      );
    }
  }

  for (const [name, spec] of Object.entries(def.updates as Record<string, { args: z.ZodType; result: z.ZodType }>)) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `${base}/{id}/updates/${name}`,
        tags,
        security,
        summary: `Send the ${name} update to a ${type} workflow and wait for its answer`,
        request: {
          params: IdParam,
          body: { required: true, content: { 'application/json': { schema: named(spec.args, `${Type}${pascal(name)}UpdateArgs`) } } },
        },
        responses: {
          200: json(named(spec.result, `${Type}${pascal(name)}UpdateResult`), "The update's answer"),
          ...messageErrors,
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const args: unknown = c.req.valid('json');
        const handle = await openRun(c, id, 'updates');
        try {
          const result: unknown = await handle.executeUpdate(def.update[name] ?? name, { args: [args] });
          return c.json(result as never, 200);
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) throw problems.conflict(`The ${name} update failed: ${err.cause?.message ?? err.message}`);
          if (err instanceof WorkflowNotFoundError) throw problems.conflict(`Workflow ${id} has just closed; it takes no updates.`);
          throw err;
        }
      },
    );
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: `${base}/{id}/cancel`,
      tags,
      security,
      summary: `Request cancellation of a ${type} workflow`,
      request: { params: IdParam },
      responses: {
        202: json(z.object({ workflowId: z.string(), runId: z.string(), status: RunStatus, links: Links }), 'Cancellation requested'),
        ...errorsFor(401, 404, 409, 503),
      },
    }),
    async (c) => {
      const { config } = c.var.deps;
      const { id } = c.req.valid('param');
      const { handle, description, status } = await describeRun(c, id);
      if (status !== 'RUNNING') throw problems.conflict(`Workflow ${id} has already closed (${status}); there is nothing to cancel.`);
      try {
        await handle.cancel();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw problems.conflict(`Workflow ${id} has just closed; there is nothing to cancel.`);
        throw err;
      }
      return c.json({ workflowId: id, runId: description.runId, status, links: links(config, id, description.runId) }, 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      security,
      summary: `List ${type} workflows on Baton's task queue, newest first (Temporal visibility)`,
      request: { query: ListQuery },
      responses: {
        200: json(z.object({ workflows: z.array(ListItem), nextPageToken: z.string().optional() }), 'One page'),
        ...errorsFor(400, 401, 503),
      },
    }),
    async (c) => {
      const { config, temporal } = c.var.deps;
      const { status, pageSize, nextPageToken } = c.req.valid('query');
      const quote = (value: string) => `'${value.replace(/['\\]/g, '')}'`;
      const query = [
        `WorkflowType=${quote(type)}`,
        // A customer's burst past its allowance runs on the burst lane (lib/burst-lane.ts).
        `TaskQueue IN (${lanesOf(def.taskQueue ?? config.taskQueue)
          .map(quote)
          .join(', ')})`,
        ...(status ? [`ExecutionStatus=${quote(LIST_STATUSES[status])}`] : []),
      ].join(' AND ');
      const page = await temporal.client.workflowService.listWorkflowExecutions({
        namespace: config.namespace,
        query,
        pageSize,
        ...(nextPageToken && { nextPageToken: readPageToken(config.webhookSecrets, nextPageToken) }),
      });
      const workflows = (page.executions ?? []).map((e) => {
        const workflowId = e.execution?.workflowId ?? '';
        const runId = e.execution?.runId ?? '';
        const startTime = isoTime(e.startTime);
        const closeTime = isoTime(e.closeTime);
        return {
          workflowId,
          runId,
          status: statusName(e.status),
          ...(startTime && { startTime }),
          ...(closeTime && { closeTime }),
          links: links(config, workflowId, runId),
        };
      });
      const token = issuePageToken(config.webhookSecrets, page.nextPageToken);
      return c.json({ workflows, ...(token && { nextPageToken: token }) }, 200);
    },
  );
}

/** Every workflow type's routes. A path under /workflows that none of them matches: `unmatchedWorkflowPath`. */
export function workflowRoutes(definitions: readonly AnyWorkflowDefinition[], start: StartWorkflow) {
  const router = createRouter();
  const types = new Set(definitions.map((def) => def.type));
  if (types.size !== definitions.length) throw new Error('two workflow definitions share a type');
  for (const def of definitions) registerWorkflow(router, def, start);
  return router;
}

/**
 * The answer to a request under /workflows that no route matched: a 404 naming the unknown type or what the
 * type lacks, or a 405 for a known type's path with another method; undefined for any other path. It is for
 * the app's not-found handler: a catch-all route (`/workflows/:type/*`) would put Hono on its slower router
 * for every request (its RegExpRouter cannot hold that pattern beside the types' own routes).
 */
export function unmatchedWorkflowPath(definitions: readonly AnyWorkflowDefinition[], method: string, path: string): ApiProblem | undefined {
  const match = /^\/workflows\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) return undefined;
  let type = match[1] ?? '';
  try {
    type = decodeURIComponent(type);
  } catch {
    // A malformed escape is a type nobody registered, named as it came.
  }
  const known = definitions.map((def) => def.type);
  if (!known.includes(type)) return problems.notFound(`Unknown workflow type ${type}; known: ${known.join(', ')}.`);
  if (match[2] === undefined) return problems.methodNotAllowed();
  return problems.notFound(`No route for ${method} ${path}: ${type} has no such signal, query or update.`);
}
