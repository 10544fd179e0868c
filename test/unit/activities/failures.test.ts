import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureType, failureFor, retryAfterMs } from '../../../activities/http-failures';

const res = (status: number, body: unknown = undefined, headers: Record<string, string> = {}) => ({ status, body, headers });

describe('downstream failures', () => {
  it('makes business answers non-retryable with their own type', () => {
    const failure = failureFor('payments', res(402, { title: 'Payment declined', detail: 'card declined' }), { 402: FailureType.PaymentDeclined });
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('PaymentDeclined');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('payments: card declined');
  });

  it('retries 5xx', () => {
    const failure = failureFor('inventory', res(503));
    expect(failure.type).toBe('Unavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  it('honours Retry-After on 429', () => {
    const failure = failureFor('shipping', res(429, undefined, { 'retry-after': '7' }));
    expect(failure.type).toBe('RateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7000);
  });

  it('never retries other 4xx answers', () => {
    expect(failureFor('users', res(404)).nonRetryable).toBe(true);
    expect(failureFor('users', res(400)).type).toBe('BadRequest');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
