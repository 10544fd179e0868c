// The first workflow over HTTP: start it, then read its status and result.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowFailedError } from '@temporalio/client';
import { welcomeUser, type WelcomeInput, type WelcomeResult } from '../../definitions';
import { Id, WorkflowId } from '../../domain/schemas';
import { temporalUiLink } from '../links';
import { errorResponses, problems } from '../problems';
import { requestKey } from '../request-key';
import { createRouter } from '../router';

const WelcomeRequest = z.object({ userId: Id }).openapi('WelcomeRequest');

const Links = z.object({ self: z.string(), temporalUi: z.string().url() }).openapi('Links');

const WelcomeStarted = z
  .object({ workflowId: z.string(), runId: z.string(), links: Links })
  .openapi('WelcomeStarted');

const WorkflowStatus = z.enum(['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'PAUSED', 'UNKNOWN']);

const WelcomeStatus = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    status: WorkflowStatus,
    result: z.object({ userId: z.string(), name: z.string(), message: z.string() }).optional(),
    failure: z.string().optional(),
    links: Links,
  })
  .openapi('WelcomeStatus');

const WorkflowIdParam = z.object({
  workflowId: WorkflowId.regex(/^welcome-/, 'must be a welcome workflow ID'),
});

const start = createRoute({
  method: 'post',
  path: '/welcomes',
  tags: ['welcome'],
  summary: 'Start the welcome workflow for a user',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: WelcomeRequest } } } },
  responses: {
    202: { description: 'Started', content: { 'application/json': { schema: WelcomeStarted } } },
    400: errorResponses[400],
    401: errorResponses[401],
    503: errorResponses[503],
  },
});

const get = createRoute({
  method: 'get',
  path: '/welcomes/{workflowId}',
  tags: ['welcome'],
  summary: 'Status and result of a welcome workflow',
  security: [{ bearer: [] }],
  request: { params: WorkflowIdParam },
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: WelcomeStatus } } },
    400: errorResponses[400],
    401: errorResponses[401],
    404: errorResponses[404],
    503: errorResponses[503],
  },
});

export function welcomeRoutes() {
  return createRouter()
    .openapi(start, async (c) => {
      const { config, temporal } = c.var.deps;
      const input: WelcomeInput = c.req.valid('json');
      const workflowId = welcomeUser.workflowId(input.userId, requestKey(c.var.requestId));
      const handle = await temporal.client.workflow.start(welcomeUser.type, {
        taskQueue: config.taskQueue,
        workflowId,
        args: [input],
      });
      const runId = handle.firstExecutionRunId;
      const self = `/welcomes/${encodeURIComponent(workflowId)}`;
      c.header('Location', self);
      return c.json(
        { workflowId, runId, links: { self, temporalUi: temporalUiLink(config, workflowId, runId) } },
        202,
      );
    })
    .openapi(get, async (c) => {
      const { config, temporal } = c.var.deps;
      const { workflowId } = c.req.valid('param');
      const handle = temporal.client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const status = description.status.name;
      let result: WelcomeResult | undefined;
      let failure: string | undefined;
      if (status === 'COMPLETED') result = (await handle.result()) as WelcomeResult;
      if (status === 'FAILED') {
        failure = await handle.result().then(
          () => undefined,
          (err: unknown) => (err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : 'failed'),
        );
      }
      if (!description.runId) throw problems.notFound();
      return c.json(
        {
          workflowId,
          runId: description.runId,
          status,
          ...(result && { result }),
          ...(failure && { failure }),
          links: { self: `/welcomes/${encodeURIComponent(workflowId)}`, temporalUi: temporalUiLink(config, workflowId, description.runId) },
        },
        200,
      );
    });
}
