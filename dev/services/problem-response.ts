// RFC 9457 problem bodies for the sample services. Built as plain Responses (not c.json) so the
// idempotency store can keep and replay them byte for byte.
import type { z } from 'zod';
import type { Problem } from '../../contracts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://baton.dev/problems/';

export interface FieldError {
  path: string;
  message: string;
}

export function problemBody(status: number, slug: string, title: string, detail?: string, errors?: FieldError[]): Problem {
  return {
    type: PROBLEM_TYPE_BASE + slug,
    title,
    status,
    ...(detail !== undefined && { detail }),
    ...(errors && { errors }),
  };
}

export function problemResponse(status: number, slug: string, title: string, detail?: string, errors?: FieldError[]): Response {
  return new Response(JSON.stringify(problemBody(status, slug, title, detail, errors)), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Thrown from a handler; the app's onError renders it, so handlers can bail out from helpers. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  toResponse(): Response {
    return problemResponse(this.status, this.slug, this.title, this.detail, this.errors);
  }
}

export const problems = {
  malformedJson: () => new ProblemError(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.'),
  validation: (error: z.ZodError) => {
    const errors = error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
    return new ProblemError(400, 'validation', 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  },
  missingIdempotencyKey: () =>
    new ProblemError(400, 'missing-idempotency-key', 'Idempotency-Key required', 'Send an Idempotency-Key header of 1 to 255 characters.'),
  notFound: (detail = 'No such resource.') => new ProblemError(404, 'not-found', 'Not found', detail),
  conflict: (detail: string) => new ProblemError(409, 'conflict', 'Conflict', detail),
} as const;
