// One shared map of error responses: the error handler renders them, the routes document them.
import type { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Problem as ProblemShape, type Problem } from '../../contracts';
import { named } from './openapi-names';

const ProblemSchema = named(ProblemShape, 'Problem');

export const PROBLEM_TYPE_BASE = 'https://baton.dev/problems/';

export interface FieldError {
  path: string;
  message: string;
}

/** Thrown anywhere in a request; `onError` renders it as problem+json. */
export class ApiProblem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }

  toJSON(instance?: string): Problem {
    return {
      type: PROBLEM_TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      ...(this.detail !== undefined && { detail: this.detail }),
      ...(instance !== undefined && { instance }),
      ...(this.extra.errors && { errors: this.extra.errors }),
    };
  }
}

export const problems = {
  validation: (errors: FieldError[]) =>
    new ApiProblem(400, 'validation', 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors }),
  badRequest: (detail: string) => new ApiProblem(400, 'bad-request', 'Bad request', detail),
  malformedJson: () => new ApiProblem(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.'),
  unauthorized: (detail = 'A valid bearer token is required.', invalidToken = false) =>
    new ApiProblem(401, 'unauthorized', 'Unauthorized', detail, {
      // RFC 6750: a token that was presented and refused says so, so a client knows to get a new one.
      headers: { 'WWW-Authenticate': invalidToken ? 'Bearer realm="baton", error="invalid_token"' : 'Bearer realm="baton"' },
    }),
  forbidden: (scope: string) =>
    new ApiProblem(403, 'forbidden', 'Forbidden', `The token does not grant the "${scope}" scope this route needs.`, {
      headers: { 'WWW-Authenticate': `Bearer realm="baton", error="insufficient_scope", scope="${scope}"` },
    }),
  /** The identity provider's JWKS cannot be fetched: no verdict on the token, so not a 401. */
  identityProviderUnavailable: () =>
    new ApiProblem(503, 'identity-provider-unavailable', 'Service unavailable', 'The identity provider’s signing keys cannot be fetched; try again shortly.', {
      headers: { 'Retry-After': '5' },
    }),
  notFound: (detail = 'No such resource.') => new ApiProblem(404, 'not-found', 'Not found', detail),
  methodNotAllowed: () => new ApiProblem(405, 'method-not-allowed', 'Method not allowed'),
  conflict: (detail: string) => new ApiProblem(409, 'conflict', 'Conflict', detail),
  tooLarge: (limit: number) => new ApiProblem(413, 'payload-too-large', 'Payload too large', `The body exceeds ${limit} bytes.`),
  headersTooLarge: () =>
    new ApiProblem(431, 'headers-too-large', 'Request header fields too large', 'The request line and headers exceed the server limit (16 KiB).'),
  unsupportedMediaType: () => new ApiProblem(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json.'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ApiProblem(429, 'rate-limited', 'Too many requests', 'Slow down.', { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  tooManyStreams: (max: number) =>
    new ApiProblem(429, 'too-many-streams', 'Too many event streams', `At most ${max} event streams per client at once; close one first.`, {
      headers: { 'Retry-After': '5' },
    }),
  badGateway: (detail: string) => new ApiProblem(502, 'bad-gateway', 'Bad gateway', detail),
  temporalUnavailable: () =>
    new ApiProblem(503, 'temporal-unavailable', 'Service unavailable', 'The workflow engine cannot be reached; try again shortly.', {
      headers: { 'Retry-After': '5' },
    }),
  /** Load shedding (api/http/middleware/shed-load.ts): refused at once, so the client backs off instead of queueing. */
  overloaded: (what = 'workflow requests') =>
    new ApiProblem(503, 'overloaded', 'Service unavailable', `Too many ${what} are in progress; try again shortly.`, {
      headers: { 'Retry-After': '1' },
    }),
  /**
   * The namespace is not set up for Baton (lib/namespace-setup.ts): it does not exist, or it lacks Baton's
   * search attributes and they could not be added. `detail` names what is missing and the command that
   * fixes it; the API notices the fix by itself, no restart needed.
   */
  namespaceNotFound: (detail: string) => new ApiProblem(503, 'namespace-not-found', 'Service unavailable', detail, { headers: { 'Retry-After': '30' } }),
  searchAttributesMissing: (detail: string, retryAfterSeconds = 30) =>
    new ApiProblem(503, 'search-attributes-missing', 'Service unavailable', detail, { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  gatewayTimeout: (detail: string) => new ApiProblem(504, 'gateway-timeout', 'Gateway timeout', detail),
  internal: () => new ApiProblem(500, 'internal', 'Internal error', 'Something went wrong on our side; it has been logged.'),
} as const;

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };
const describe = (description: string) => ({ description, content: problemContent });

/** OpenAPI entries for routes: spread the ones a route can answer. */
export const errorResponses = {
  400: describe('Invalid input; `errors` names every bad field'),
  401: describe('Missing or invalid bearer token'),
  403: describe('The token lacks the scope the route needs'),
  404: describe('Not found'),
  409: describe('Conflict with the resource state'),
  413: describe('Body over the configured limit'),
  429: describe('Too many requests, or event streams, for this client at once; retry after `Retry-After` seconds'),
  502: describe('A downstream service failed'),
  503: describe(
    'Temporal is unreachable, its namespace is not set up for Baton (`detail` names the command that fixes it), or this API has too many workflow requests in progress; retry after `Retry-After` seconds',
  ),
  504: describe('A downstream service did not answer in time'),
} as const;
type ErrorStatus = keyof typeof errorResponses;

/** The documented error answers of one route: `...errorsFor(400, 401, 503)` in its `responses`. */
export function errorsFor<S extends ErrorStatus>(...statuses: S[]): Pick<typeof errorResponses, S> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponses[status]])) as Pick<typeof errorResponses, S>;
}

/** zod issues as `{ path, message }`, paths dotted from the body root. */
export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}
