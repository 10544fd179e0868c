// Waits until a Temporal frontend answers: the dev server, the cluster's frontend and the production
// tier's authorizing frontend all start this way.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export interface FrontendWait {
  timeoutMs: number;
  /** Why waiting is pointless (the process exited), or undefined to go on. */
  gone: () => string | undefined;
  /** Errors that prove the frontend serves (say an authorizer's refusal). */
  servesWhen?: (err: unknown) => boolean;
  pollMs?: number;
}

export async function waitForFrontend(address: string, { timeoutMs, gone, servesWhen, pollMs = 250 }: FrontendWait): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason !== undefined) throw new Error(reason);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (servesWhen?.(err)) return;
      lastError = err;
      await sleep(pollMs);
    }
  }
  throw new Error(`the Temporal frontend at ${address} did not serve within ${timeoutMs} ms: ${String(lastError)}`);
}
