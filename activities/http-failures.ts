// Turns downstream answers into Temporal failures: business answers are final, the rest is retried.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/activity-failures';
import type { DownstreamResponse } from './http-client';

/** Failure types that workflows match on (defined with the definitions, which workflows may import). */
export { FailureType };

function problemDetail(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const { detail, title } = body as { detail?: unknown; title?: unknown };
    if (typeof detail === 'string') return detail;
    if (typeof title === 'string') return title;
  }
  return undefined;
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The longest wait a downstream's Retry-After may impose on one retry. Past it the retry policy's own
 * backoff applies: a service (or whatever sits in front of it) must not stall a refund for days.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Statuses outside the contract's business answers that retrying can still settle: 408 is a timeout,
 * 409 the answer of an IETF Idempotency-Key server to a concurrent duplicate (still in progress), 425
 * "too early". Their outcome is unknown: the request may be, or may have been, applied.
 */
const RETRYABLE_CLIENT_ERRORS: Partial<Record<number, FailureType>> = {
  408: FailureType.Timeout,
  409: FailureType.Conflict,
  425: FailureType.Conflict,
};

/**
 * A failure for a non-2xx answer. `businessTypes` maps the statuses a call treats as business
 * answers (402, 409, 422 ...) to their failure type; they are non-retryable, and the only answers
 * that prove the request took no effect (activities/attempts.ts).
 */
export function failureFor(service: string, res: DownstreamResponse, businessTypes: Partial<Record<number, FailureType>> = {}): ApplicationFailure {
  const detail = problemDetail(res.body) ?? `HTTP ${res.status}`;
  const details = [{ status: res.status }];
  const business = businessTypes[res.status];
  if (business) {
    return ApplicationFailure.create({ type: business, message: `${service}: ${detail}`, nonRetryable: true, details });
  }
  const delay = retryAfterMs(res.headers['retry-after']);
  const nextRetryDelay = delay === undefined ? undefined : Math.min(delay, MAX_RETRY_AFTER_MS);
  const retryable = (type: FailureType, message: string) =>
    ApplicationFailure.create({ type, message: `${service}: ${message}`, details, ...(nextRetryDelay !== undefined && { nextRetryDelay }) });
  if (res.status === 429) return retryable(FailureType.RateLimited, 'rate limited');
  if (res.status >= 500) return retryable(FailureType.Unavailable, detail);
  const transient = RETRYABLE_CLIENT_ERRORS[res.status];
  if (transient) return retryable(transient, detail);
  if (res.status === 404) {
    return ApplicationFailure.create({ type: FailureType.NotFound, message: `${service}: ${detail}`, nonRetryable: true, details });
  }
  // Any other 4xx: Baton sent something the service (or a proxy in front of it: 401, 403) rejects;
  // retrying the same request never helps, and a person has to look.
  return ApplicationFailure.create({ type: FailureType.BadRequest, message: `${service}: ${detail}`, nonRetryable: true, details });
}

/** A 2xx whose body breaks the contract: retried, since a flaky proxy may have mangled it. */
export function parseOrFail<T>(service: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({ type: FailureType.BadResponse, message: `${service}: response does not match the contract` });
}
