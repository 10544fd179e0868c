// A client whose server never answers retries every call with the SDK's gRPC backoff. Closing it while
// a retry is scheduled must not leave that retry to fire on a closed channel ("Channel has been shut
// down" as an uncaught error, which fails the whole vitest run even when every test passed).
import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { DrainingConnection } from '../../../lib/draining-connection';

describe('DrainingConnection', () => {
  it('closes while retries to an unreachable server are scheduled, and none fires afterwards', async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const connection = DrainingConnection.lazy({ address: '127.0.0.1:1', connectTimeout: '100 ms' });
      const client = new Client({ connection });
      // Each call fails UNAVAILABLE and is retried with a backoff timer; the deadline ends it before the retries do.
      const calls = Array.from({ length: 5 }, (_, i) =>
        connection.withDeadline(Date.now() + 300 + i * 150, () => client.workflow.getHandle(`nowhere-${i}`).describe()).catch((err: unknown) => err),
      );
      const closed = (async () => {
        await new Promise((r) => setTimeout(r, 250));
        await connection.close();
      })();
      const errors = await Promise.all(calls);
      await closed;
      expect(errors.every((e) => e instanceof Error)).toBe(true);
      // Longer than any backoff the SDK schedules early on: a retry left behind would have fired by now.
      await new Promise((r) => setTimeout(r, 1500));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  }, 10_000);
});
