// One downstream call as the order activities make it: the activity's cancellation aborts it, and
// transport errors become failures that say whether the request can have reached the service.
import { ApplicationFailure } from '@temporalio/common';
import type { ServiceName } from '../config/env';
import { FailureType } from '../contracts/activity-failures';
import type { ActivityContext } from './context';
import { pathSegment, UnsafePathSegmentError } from '../lib/url-path';
import { DownstreamTimeoutError, type DownstreamRequest, type DownstreamResponse } from './http-client';

/** Errors raised before a connection existed: the request cannot have been applied. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    for (const inner of (e as { errors?: unknown }).errors instanceof Array ? (e as { errors: unknown[] }).errors : []) {
      const innerCode = (inner as { code?: unknown } | undefined)?.code;
      if (typeof innerCode === 'string') codes.push(innerCode);
    }
  }
  return codes;
}

/** Messages name the service only: they reach the order's state, which must not show downstream URLs. */
export function transportFailure(service: ServiceName, err: unknown): ApplicationFailure {
  if (err instanceof DownstreamTimeoutError) {
    return ApplicationFailure.create({ type: FailureType.Timeout, message: `${service}: ${err.message}` });
  }
  const codes = errorCodes(err);
  if (codes.length > 0 && codes.every((code) => NEVER_SENT.has(code))) {
    return ApplicationFailure.create({ type: FailureType.Unreachable, message: `${service}: unreachable (${codes[0]})` });
  }
  return ApplicationFailure.create({ type: FailureType.ConnectionLost, message: `${service}: connection lost${codes[0] ? ` (${codes[0]})` : ''}` });
}

/**
 * Sends one call. A read stops when the activity is cancelled. A state-changing call (it carries an
 * Idempotency-Key) runs to its own answer or timeout even then: cutting it off would leave its
 * outcome unknown while the service may still apply it, and the order waits for the step to settle
 * before it compensates.
 */
export async function send(ctx: ActivityContext, service: ServiceName, req: Omit<DownstreamRequest, 'signal'>): Promise<DownstreamResponse> {
  const signal = req.idempotencyKey === undefined ? ctx.signal() : undefined;
  try {
    return await ctx.http.call(ctx.urls[service], { ...req, signal });
  } catch (err) {
    if (signal?.aborted) throw err; // the activity was cancelled: the SDK reports that itself
    throw transportFailure(service, err);
  }
}

/**
 * An ID as one path segment of a call to `service`. One that no path can hold ("..", say, answered by a
 * service as its own ID) fails for good before anything is sent, rather than reach another path.
 */
export function idSegment(service: ServiceName, id: string): string {
  try {
    return pathSegment(id);
  } catch (err) {
    if (!(err instanceof UnsafePathSegmentError)) throw err;
    throw ApplicationFailure.create({ type: FailureType.Unsendable, message: `${service}: ${err.message}`, nonRetryable: true });
  }
}

export const isSuccess = (status: number) => status >= 200 && status < 300;
