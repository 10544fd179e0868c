// The SDK's gRPC retry interceptor schedules each retry with a bare setTimeout that nothing cancels. A
// retry that fires after its connection was closed throws "Channel has been shut down" as an uncaught
// error: in the API at shutdown, or in a test whose client never reached a server. This connection keeps
// the SDK's retry policy, schedules no retry once closing, and lets close() wait out those already
// scheduled (at most the SDK's 5 s backoff cap, jittered; usually a few hundred ms).
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';

function drainableRetries() {
  const policy = defaultGrpcRetryOptions();
  let closing = false;
  let lastRetryAt = 0;
  const interceptor = makeGrpcRetryInterceptor({
    retryableDecider: (attempt, status) => !closing && policy.retryableDecider(attempt, status),
    delayFunction: (attempt, status) => {
      const delay = policy.delayFunction(attempt, status);
      lastRetryAt = Math.max(lastRetryAt, Date.now() + delay);
      return delay;
    },
  });
  return {
    interceptor,
    drained: async (): Promise<void> => {
      closing = true;
      // Checked against the clock until past the last retry: one timer set for it could fire first, since a busy
      // event loop starts timers from the time its tick began (CI saw "Channel has been shut down" once).
      for (let wait = lastRetryAt + 20 - Date.now(); wait > 0; wait = lastRetryAt + 20 - Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

export class DrainingConnection extends Connection {
  #drained: () => Promise<void> = () => Promise.resolve();

  /** Like Connection.lazy; its own retry interceptor takes the place of the SDK's default one. */
  static override lazy(options: ConnectionOptions = {}): DrainingConnection {
    const retries = drainableRetries();
    const connection = super.lazy({ ...options, interceptors: [...(options.interceptors ?? []), retries.interceptor] }) as DrainingConnection;
    connection.#drained = retries.drained;
    return connection;
  }

  static override async connect(options: ConnectionOptions = {}): Promise<DrainingConnection> {
    const connection = DrainingConnection.lazy(options);
    await connection.ensureConnected();
    return connection;
  }

  override async close(): Promise<void> {
    await this.#drained();
    await super.close();
  }
}
