// An attempt's fate is known only when it reports it. Over the heartbeat details that Temporal hands
// from one attempt to the next (a fake activity context here; the real server in the chaos suite).
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { attemptContext, attempted } from '../../../activities/attempts';
import type { ActivityFailureDetails } from '../../../contracts';

function fakeContext(attempt: number, heartbeatDetails?: unknown, heartbeatTimeoutMs?: number) {
  const beats: unknown[] = [];
  const ctx = {
    info: { attempt, heartbeatDetails, heartbeatTimeoutMs },
    cancellationSignal: new AbortController().signal,
    heartbeat: (details: unknown) => beats.push(details),
  } as unknown as Context;
  return { ctx, beats };
}

const unavailable = () => Promise.reject(ApplicationFailure.create({ type: 'Unavailable', message: 'payments: 503' }));

async function outcomeOf(attempt: number, heartbeatDetails: unknown, call: () => Promise<unknown> = unavailable) {
  const { ctx, beats } = fakeContext(attempt, heartbeatDetails);
  const err = (await attempted(call, attemptContext(ctx)).catch((e: unknown) => e)) as ApplicationFailure;
  return { details: err.details?.[0] as ActivityFailureDetails, beats };
}

describe('the fate of earlier attempts', () => {
  it('a first attempt met by a 503 took no effect, and says so for the next attempt', async () => {
    const { details, beats } = await outcomeOf(1, undefined);
    expect(details).toMatchObject({ attempt: 1, outcome: 'none' });
    expect(beats).toEqual([{ attempt: 1, outcome: 'none' }]);
  });

  it('a 503 after a predecessor that reported a clean failure took no effect', async () => {
    expect((await outcomeOf(3, { attempt: 2, outcome: 'none' })).details.outcome).toBe('none');
  });

  it('a 503 after a predecessor that left no record (its worker was SIGKILLed) is an unknown outcome', async () => {
    expect((await outcomeOf(2, undefined)).details.outcome).toBe('unknown');
    // The record is from two attempts back: the one in between died without reporting.
    const { details, beats } = await outcomeOf(4, { attempt: 2, outcome: 'none' });
    expect(details.outcome).toBe('unknown');
    expect(beats).toEqual([{ attempt: 4, outcome: 'unknown' }]);
  });

  it('an unknown outcome stays unknown through later clean failures', async () => {
    expect((await outcomeOf(3, { attempt: 2, outcome: 'unknown' })).details.outcome).toBe('unknown');
  });

  it("a business refusal is the service's final word for the key, whatever came before", async () => {
    const declined = () => Promise.reject(ApplicationFailure.create({ type: 'PaymentDeclined', message: 'declined', nonRetryable: true }));
    expect((await outcomeOf(3, undefined, declined)).details.outcome).toBe('none');
  });

  it('beats while a slow call runs, keeping the predecessor record unchanged', async () => {
    const record = { attempt: 1, outcome: 'none' };
    const { ctx, beats } = fakeContext(2, record, 150);
    const value = await attempted(() => new Promise((resolve) => setTimeout(() => resolve('ok'), 230)), attemptContext(ctx));
    expect(value).toEqual({ value: 'ok', attempt: 2 });
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.every((b) => b === record)).toBe(true);
  });
});
