// Turns downstream answers into Temporal failures: business answers are final, the rest is retried.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../definitions/failures';
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
 * A failure for a non-2xx answer. `businessTypes` maps the statuses a call treats as business
 * answers (402, 409, 422 ...) to their failure type; they are non-retryable.
 */
export function failureFor(
  service: string,
  res: DownstreamResponse,
  businessTypes: Partial<Record<number, FailureType>> = {},
): ApplicationFailure {
  const detail = problemDetail(res.body) ?? `HTTP ${res.status}`;
  const business = businessTypes[res.status];
  if (business) {
    return ApplicationFailure.create({ type: business, message: `${service}: ${detail}`, nonRetryable: true, details: [{ status: res.status }] });
  }
  if (res.status === 429) {
    const delay = retryAfterMs(res.headers['retry-after']);
    return ApplicationFailure.create({
      type: FailureType.RateLimited,
      message: `${service}: rate limited`,
      ...(delay !== undefined && { nextRetryDelay: delay }),
    });
  }
  if (res.status >= 500) {
    return ApplicationFailure.create({ type: FailureType.Unavailable, message: `${service}: ${detail}` });
  }
  if (res.status === 404) {
    return ApplicationFailure.create({ type: FailureType.NotFound, message: `${service}: ${detail}`, nonRetryable: true });
  }
  // Any other 4xx means Baton sent something the contract rejects: retrying the same request never helps.
  return ApplicationFailure.create({ type: FailureType.BadRequest, message: `${service}: ${detail}`, nonRetryable: true });
}

/** A 2xx whose body breaks the contract: retried, since a flaky proxy may have mangled it. */
export function parseOrFail<T>(service: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({ type: FailureType.BadResponse, message: `${service}: response does not match the contract` });
}
